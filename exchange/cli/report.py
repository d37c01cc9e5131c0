"""``exchange report``: usage reports."""

from __future__ import annotations

import csv
import sys
import uuid
from datetime import datetime

import click

from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.ids import parse_id
from exchange.objects import downloads
from exchange.partners.models import Partner
from exchange.runtime import Runtime

DAY = click.DateTime(["%Y-%m-%d"])


@click.group()
def report() -> None:
    """Reports."""


@report.command()
@click.option("--from", "start", type=DAY, required=True)
@click.option("--to", "end", type=DAY, required=True)
@click.option("--partner", "partner_id", default=None)
@click.option("--work", "work_id", default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "text"]), default="text")
@click.pass_context
def usage(
    ctx: click.Context,
    start: datetime,
    end: datetime,
    partner_id: str | None,
    work_id: str | None,
    fmt: str,
) -> None:
    """Downloads per partner and work from --from to --to (whole days, both included)."""

    names: dict[uuid.UUID, str] = {}

    async def work(runtime: Runtime) -> downloads.UsageReport:
        async with runtime.db.read() as session:
            found = await downloads.usage_report(
                SYSTEM,
                start.date(),
                end.date(),
                partner_id=None if partner_id is None else parse_id(partner_id, "partner"),
                work_id=None if work_id is None else parse_id(work_id, "work"),
                session=session,
                policy=runtime.policy,
            )
            for row in found.rows:
                if row.partner_id is not None and row.partner_id not in names:
                    partner = await session.get(Partner, row.partner_id)
                    names[row.partner_id] = "" if partner is None else partner.preferred_name
            return found

    def name(partner_id: uuid.UUID | None) -> str:
        return "" if partner_id is None else names.get(partner_id, "")

    result = with_runtime(ctx, work)
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["from", "to", "partner_id", "partner", "work_id", "downloads"])
        for row in result.rows:
            writer.writerow(
                [
                    result.start,
                    result.end,
                    row.partner_id or "",
                    name(row.partner_id),
                    row.work_id or "",
                    row.downloads,
                ]
            )
        return
    say(f"{result.total} downloads from {result.start} to {result.end}")
    for row in result.rows:
        who = f"{name(row.partner_id)} ({row.partner_id})" if row.partner_id else "-"
        say(f"{who}\t{row.work_id or '-'}\t{row.downloads}")
