"""Running async service code from commands, and mapping domain errors to exit codes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click

from exchange import errors
from exchange.runtime import Runtime
from exchange.settings import Settings

T = TypeVar("T")

EXIT_CODES: dict[type[errors.ExchangeError], int] = {
    errors.ValidationFailed: 2,
    errors.NotFound: 3,
    errors.PermissionDenied: 4,
    errors.Conflict: 5,
    errors.Unauthenticated: 6,
}


UNAVAILABLE_EXIT = 7  # the database cannot be reached


def exit_code(error: errors.ExchangeError) -> int:
    """The code of the error's nearest class in ``EXIT_CODES`` (subclasses share it)."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


def settings(ctx: click.Context) -> Settings:
    value = ctx.obj
    assert isinstance(value, Settings)
    return value


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; a domain error becomes a message on stderr and its exit code."""
    try:
        return asyncio.run(coro)
    except errors.ExchangeError as error:
        click.echo(f"error: {error.message}", err=True)
        raise SystemExit(exit_code(error)) from None
    except errors.Unavailable as error:
        click.echo(f"error: {error.message}", err=True)
        raise SystemExit(UNAVAILABLE_EXIT) from None


def with_runtime(ctx: click.Context, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Start a runtime (settings from the environment), run ``work``, close it."""

    async def main() -> T:
        runtime = Runtime.start(settings(ctx))
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return run(main())
