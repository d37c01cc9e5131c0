"""``exchange partner create``: register a partner from the server host — on a new
install, the partner the first admin belongs to (``account create --partner ID --role
admin``); afterwards admins do it in the pages or through GraphQL."""

from __future__ import annotations

import uuid

import click

from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime


@click.group(name="partner")
def partner_group() -> None:
    """Partner institutions."""


@partner_group.command(name="create")
@click.option(
    "--name",
    "names",
    multiple=True,
    required=True,
    help="LANG=NAME, a BCP 47 tag and the name in that script (repeatable, preferred first).",
)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. KP.")
@click.option("--kind", type=click.Choice([k.value for k in PartnerKind]), required=True)
@click.option("--tag", "tags", multiple=True, help="A policy tag (repeatable).")
@click.option("--private", is_flag=True, help="Keep the profile out of the public directory.")
@click.pass_context
def create(
    ctx: click.Context,
    names: tuple[str, ...],
    country: str,
    kind: str,
    tags: tuple[str, ...],
    private: bool,
) -> None:
    """Register a partner (as the system); prints its id."""
    pairs = []
    for entry in names:
        lang, sep, value = entry.partition("=")
        if not sep:
            raise click.UsageError(f"--name {entry!r}: write it as LANG=NAME, e.g. en=Library")
        pairs.append((lang.strip(), value))
    draft = partners.PartnerDraft(pairs, country, PartnerKind(kind), list(tags), not private)

    async def work(runtime: Runtime) -> uuid.UUID:
        async with runtime.db.unit_of_work() as uow:
            made = await partners.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
        return made.id

    say(str(with_runtime(ctx, work)))
