"""One read session for a whole GraphQL request, shared by its resolvers and loaders.

A query's resolvers run concurrently, and an ``AsyncSession`` must never be used by two
of them at once ("concurrent operations are not permitted"), so ``session()`` hands the
one session out in turn: a holder waits for the one before it (loaders batch their keys,
so a request holds the session a handful of times, not once per object). The session is
opened on first use and rolled back by ``close()`` at the end of the request: the bearer
token's look-up, the page and every loader batch are one connection and one transaction
(measured in ``bench/graphql_vs_raw.py``: 7 round trips on PostgreSQL where one session
per loader made 15).

A mutation operation does not share (``unshare``): its resolvers commit units of work,
and a read transaction opened before them would not see what they wrote on SQLite (a
WAL reader keeps its snapshot), so each read there takes a short session of its own.
After an error the session is closed (a PostgreSQL transaction that failed refuses every
later statement) and the next reader opens a fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from exchange.db.engine import Database
from exchange.db.reachability import unreachable
from exchange.errors import Unavailable


class RequestReads:
    """The read session of one request (made per request, never shared between two)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.shared = True
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None
        self._opened: AsyncExitStack | None = None
        self._session: AsyncSession | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The request's session, for the block only; raises ``Unavailable`` when the
        database cannot be reached. Re-entrant within one task."""
        if not self.shared:
            async with self.db.read() as own:
                yield own
            return
        task = asyncio.current_task()
        if self._holder is task and self._session is not None:  # nested use by the holder
            yield self._session
            return
        async with self._lock:
            self._holder = task
            try:
                yield await self._open()
            except BaseException as error:
                with suppress(Exception):  # the error that brought us here is the one to tell
                    await self.close()
                if isinstance(error, Exception) and unreachable(error):
                    raise Unavailable() from error
                raise
            finally:
                self._holder = None

    async def _open(self) -> AsyncSession:
        if self._session is None:
            opened = AsyncExitStack()
            self._session = await opened.enter_async_context(self.db.read())
            self._opened = opened
        return self._session

    async def close(self) -> None:
        """Roll the session back and give its connection back to the pool."""
        opened, self._opened, self._session = self._opened, None, None
        if opened is not None:
            await opened.aclose()

    async def unshare(self) -> None:
        """From now on each read takes a short session of its own (see the module doc)."""
        async with self._lock:
            self.shared = False
            await self.close()


class UnsharedMutations(SchemaExtension):
    """Makes a mutation operation's reads unshared (see the module doc)."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        reads = getattr(ctx.context, "reads", None)
        if ctx.operation_type is OperationType.MUTATION and isinstance(reads, RequestReads):
            await reads.unshare()
        yield
