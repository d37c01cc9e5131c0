"""Running async service code from commands, and mapping domain errors to exit codes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click

from exchange import errors
from exchange.cli.exit_codes import EXIT_CODES, NO_DATABASE, exit_code
from exchange.cli.output import say
from exchange.db import readiness
from exchange.runtime import Runtime
from exchange.settings import Settings

__all__ = ["EXIT_CODES", "exit_code", "fail", "run", "settings", "with_runtime"]

T = TypeVar("T")


def settings(ctx: click.Context) -> Settings:
    value = ctx.obj
    assert isinstance(value, Settings)
    return value


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; a domain error becomes a message on stderr and its exit code."""
    try:
        return asyncio.run(coro)
    except errors.ExchangeError as error:
        raise fail(error) from None
    except errors.Unavailable as error:
        say(f"error: {error.message}", err=True)
        raise SystemExit(NO_DATABASE) from None


def fail(error: errors.ExchangeError) -> SystemExit:
    """Print ``error`` as one line on stderr; the exit that ``EXIT_CODES`` gives it."""
    say(f"error: {error.message}", err=True)
    return SystemExit(exit_code(error))


def with_runtime(ctx: click.Context, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Start a runtime (settings from the environment), run ``work``, close it. A database
    that is missing or not migrated is ``NoDatabase``, before anything is opened or made."""

    async def main() -> T:
        await readiness.require_current(settings(ctx).effective_database_url)
        runtime = Runtime.start(settings(ctx))
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return run(main())
