"""``exchange work|offer|request|allocation create``: the exchange itself from the command
line, as the system (an offline instance run by one librarian has no pages to hand, and
the end-to-end sync test drives every step through here).

An allocation whose offer line is owned by another instance is not made here: it travels
to the owner as a proposal, and the command says so (``proposed, awaiting instance ...``).
"""

from __future__ import annotations

import uuid

import click

from exchange import clock, periods
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity import acting
from exchange.identity.identity import SYSTEM, Identity
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.sync import proposals

ID = click.UUID
AS_OPTION = click.option(
    "--as",
    "as_email",
    default=None,
    metavar="EMAIL",
    help="Act as this account (its roles, its name in the audit trail); default: the system.",
)


async def actor(runtime: Runtime, email: str | None) -> Identity:
    """The account named by ``--as``, or the system."""
    if email is None:
        return SYSTEM
    async with runtime.db.read() as session:
        return await acting.as_account(session, email)


@click.group(name="work")
def work_group() -> None:
    """Works of the catalogue."""


@work_group.command(name="create")
@click.option("--partner", "partner_id", type=ID, required=True, help="The cataloguing partner.")
@click.option("--title", required=True)
@click.option("--language", default="en", show_default=True, help="BCP 47 tag.")
@click.option("--kind", type=click.Choice([k.value for k in WorkKind]), default="textbook")
@click.option("--isbn", default=None, help="An ISBN (checked).")
@AS_OPTION
@click.pass_context
def create_work(
    ctx: click.Context,
    as_email: str | None,
    partner_id: uuid.UUID,
    title: str,
    language: str,
    kind: str,
    isbn: str | None,
) -> None:
    """Catalogue one work; prints its id."""
    draft = WorkDraft(
        kind=WorkKind(kind),
        titles=[(language, title)],
        language=language,
        partner_id=partner_id,
        identifiers=[(IdentifierScheme.ISBN, isbn)] if isbn else [],
    )

    async def work(runtime: Runtime) -> uuid.UUID:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            return (await catalogue.create(who, draft, uow=uow, policy=runtime.policy)).id

    say(str(with_runtime(ctx, work)))


@click.group(name="offer")
def offer_group() -> None:
    """Donation offers."""


@offer_group.command(name="create")
@click.option("--partner", "partner_id", type=ID, required=True, help="The donor.")
@click.option("--work", "work_id", type=ID, required=True)
@click.option("--quantity", type=click.IntRange(1), required=True)
@click.option("--format", "format_", type=click.Choice([f.value for f in Format]), default="print")
@click.option("--condition", type=click.Choice([c.value for c in Condition]), default="new")
@click.option("--licence", default=None, help="SPDX id (digital lines need one).")
@click.option("--days", type=click.IntRange(1), default=90, help="Days until it expires.")
@click.option("--draft", "keep_draft", is_flag=True, help="Leave it a draft (not published).")
@AS_OPTION
@click.pass_context
def create_offer(
    ctx: click.Context,
    as_email: str | None,
    partner_id: uuid.UUID,
    work_id: uuid.UUID,
    quantity: int,
    format_: str,
    condition: str,
    licence: str | None,
    days: int,
    keep_draft: bool,
) -> None:
    """Offer QUANTITY of a work (one line) and publish it; prints the offer id and the
    line id, tab-separated."""
    fmt = Format(format_)
    line = offers.OfferLineDraft(
        work_id, quantity, fmt, Condition(condition) if fmt is Format.PRINT else None
    )
    draft = offers.OfferDraft(
        partner_id, [line], clock.now() + periods.span_of_days(days, "days"), licence=licence
    )

    async def work(runtime: Runtime) -> tuple[uuid.UUID, uuid.UUID]:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            offer = await offers.create(who, draft, uow=uow, policy=runtime.policy)
            if not keep_draft:
                await offers.transition(who, offer.id, "publish", uow=uow, policy=runtime.policy)
            lines = await offers.lines_of([offer.id], session=uow.session)
        return offer.id, lines[offer.id][0].id

    offer_id, line_id = with_runtime(ctx, work)
    say(f"{offer_id}\t{line_id}")


@click.group(name="request")
def request_group() -> None:
    """Requests for resources."""


@request_group.command(name="create")
@click.option("--partner", "partner_id", type=ID, required=True, help="The requesting partner.")
@click.option("--work", "work_id", type=ID, required=True)
@click.option("--quantity", type=click.IntRange(1), required=True)
@AS_OPTION
@click.pass_context
def create_request(
    ctx: click.Context,
    as_email: str | None,
    partner_id: uuid.UUID,
    work_id: uuid.UUID,
    quantity: int,
) -> None:
    """Ask for QUANTITY of a work (one line); prints the request id and the line id."""
    draft = requests.RequestDraft(
        partner_id, [requests.RequestLineDraft(quantity, work_id=work_id)]
    )

    async def work(runtime: Runtime) -> tuple[uuid.UUID, uuid.UUID]:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            made = await requests.create(who, draft, uow=uow, policy=runtime.policy)
            lines = await requests.lines_of([made.id], session=uow.session)
        return made.id, lines[made.id][0].id

    request_id, line_id = with_runtime(ctx, work)
    say(f"{request_id}\t{line_id}")


@click.group(name="allocation")
def allocation_group() -> None:
    """Offer lines promised to request lines."""


@allocation_group.command(name="create")
@click.option("--offer-line", "offer_line", type=ID, required=True)
@click.option("--request-line", "request_line", type=ID, required=True)
@click.option("--quantity", type=click.IntRange(1), required=True)
@AS_OPTION
@click.pass_context
def create_allocation(
    ctx: click.Context,
    as_email: str | None,
    offer_line: uuid.UUID,
    request_line: uuid.UUID,
    quantity: int,
) -> None:
    """Promise QUANTITY of an offer line to a request line; prints the allocation id, or
    ``proposed, awaiting instance <id>`` and the proposal id when the offer is owned by
    another instance (the claim travels there in the next bundle)."""

    async def work(runtime: Runtime) -> proposals.Claimed:
        who = await actor(runtime, as_email)
        async with runtime.db.unit_of_work() as uow:
            return await proposals.claim(
                who, offer_line, request_line, quantity, uow=uow, policy=runtime.policy
            )

    claimed = with_runtime(ctx, work)
    if claimed.proposed:
        say(f"{claimed.awaiting}\tproposal {claimed.proposal_id}")
    else:
        say(str(claimed.allocation_id))
