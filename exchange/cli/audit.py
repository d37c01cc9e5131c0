from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from exchange.audit import chain, checkpoint, linker
from exchange.cli.exit_codes import VERIFICATION_FAILED
from exchange.cli.output import say, say_block
from exchange.cli.runner import with_runtime
from exchange.runtime import Runtime
from exchange.signing.jws import SignatureInvalid


@click.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command()
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A checkpoint printed earlier by 'audit checkpoint'.",
)
@click.pass_context
def verify(ctx: click.Context, checkpoint_file: Path | None) -> None:
    """Walk the hash chain; exit 10 naming the first bad event."""
    statement = None
    if checkpoint_file is not None:
        try:
            document = json.loads(checkpoint_file.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise click.UsageError(f"{checkpoint_file} is not a JSON checkpoint") from None
    problems: list[str] = []

    waiting = 0

    async def work(runtime: Runtime) -> chain.Verification:
        nonlocal statement, waiting
        if checkpoint_file is not None:
            try:
                statement = checkpoint.read(document, runtime.instance_key.public_key())
            except SignatureInvalid as error:
                problems.append(f"checkpoint rejected: {error.reason}")
        async with runtime.db.read() as session:
            result = await chain.verify(session)
            waiting = await linker.waiting(session)
            if statement is not None:
                problem = await checkpoint.compare(session, statement)
                if problem:
                    problems.append(problem)
        return result

    result = with_runtime(ctx, work)
    if result.first_break is not None:
        problems.insert(0, f"event {result.first_break.seq}: {result.first_break.reason}")
    if problems:
        for problem in problems:
            say(f"FAIL {problem}", err=True)
        raise SystemExit(VERIFICATION_FAILED)
    suffix = f"; checkpoint at event {statement.seq} matches" if statement is not None else ""
    if waiting:
        suffix += f"; {waiting} committed changes wait for their place (the next write links them)"
    say(f"OK {result.count} events, head {result.head_seq} {result.head_hash}{suffix}")


@audit.command(name="checkpoint")
@click.pass_context
def make_checkpoint(ctx: click.Context) -> None:
    """Print a signed statement of the chain's head, to keep somewhere else."""

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.db.read() as session:
            return await checkpoint.make(session, runtime.instance_key)

    say_block(json.dumps(with_runtime(ctx, work), indent=2))
