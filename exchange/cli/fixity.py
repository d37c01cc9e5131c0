"""``exchange fixity``: re-verify stored objects."""

from __future__ import annotations

import click

from exchange.cli.exit_codes import VERIFICATION_FAILED
from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.objects import fixity as service
from exchange.runtime import Runtime


@click.group()
def fixity() -> None:
    """Fixity of stored objects."""


@fixity.command()
@click.option("--sample", type=click.IntRange(min=1), default=None, help="Check N at random.")
@click.pass_context
def check(ctx: click.Context, sample: int | None) -> None:
    """Recompute size and SHA-256 of stored objects; exit 10 if any changed or vanished."""

    async def work(runtime: Runtime) -> service.FixityReport:
        return await service.check(
            SYSTEM, sample=sample, db=runtime.db, storage=runtime.storage, policy=runtime.policy
        )

    report = with_runtime(ctx, work)
    for object_id in report.changed:
        say(f"changed\t{object_id}")
    for object_id in report.missing:
        say(f"missing\t{object_id}")
    say(
        f"checked {report.checked}: {report.ok} ok, {len(report.changed)} changed,"
        f" {len(report.missing)} missing"
    )
    if report.changed or report.missing:
        raise SystemExit(VERIFICATION_FAILED)
