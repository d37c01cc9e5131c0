"""A field's value through its loader: rendered once per request, and without an
event-loop turn when the loader has it.

Every field that shows related data asks the request's loader for it, whether a page
primed the loader (``prime_many`` with what it read along with the page) or the loader
reads it in a batch. A resolver that returns ``loader.show(key, render)`` is a plain
function: with the value at hand it returns the rendered value, and a page of 50 rows
costs no coroutine, task or loop turn per field (measured: 100 async leaf resolvers were
a third of a search page's time); otherwise it returns an awaitable, which graphql-core
awaits like an async resolver's result.

A value is rendered once per key and ``render`` for the request: the 150 lines of a page
of offers name some 50 works, which become 50 ``Work`` objects, not 150
(``bench/graphql_vs_raw.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class Showing(DataLoader[K, V]):
    """A request's loader whose values fields show through ``show``."""

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[list[V]]]) -> None:
        super().__init__(load_fn=load_fn)
        # (key, render) -> (the loader's future for key, what render made of its value)
        self._shown: dict[tuple[K, Callable[..., Any]], tuple[object, Any]] = {}

    def show(self, key: K, render: Callable[[V], T]) -> T:
        """``render`` of the value for ``key``: now when it is there (the same object for
        the same key and render), else an awaitable of it (typed as the value, which is
        what graphql-core makes of it). A loader's error is raised either way, as the
        field's error."""
        loading = self.load(key)
        memo = (key, render)
        if not (isinstance(loading, asyncio.Future) and loading.done()):
            return cast("T", self._later(loading, memo, render))
        known = self._shown.get(memo)
        if known is not None and known[0] is loading:
            return cast("T", known[1])
        shown = render(loading.result())
        self._shown[memo] = (loading, shown)
        return shown

    async def _later(
        self, loading: Awaitable[V], memo: tuple[K, Callable[..., Any]], render: Callable[[V], T]
    ) -> T:
        shown = render(await loading)
        self._shown[memo] = (loading, shown)
        return shown

    def forget(self) -> None:
        """Drops what ``show`` rendered (``Loaders.release``)."""
        self._shown.clear()
