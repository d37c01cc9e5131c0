"""Shipments in pages: the donor packs its unshipped allocations into a shipment, moves it
along (pack, dispatch — which signs the manifest —, in transit, delivered, cancel, lost), a
coordinator approves one held for review, and the receiver confirms receipt with any
discrepancy per item (countersigning). Everyone sees the timeline and the manifest's check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.identity.identity import Role
from exchange.keys.custody import Custody
from exchange.manifests.statement import MAX_SAFE_INTEGER, Discrepancy
from exchange.pages import partner_picker, web
from exchange.pages.i18n import N_
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.runtime import Runtime
from exchange.shipments import service as shipments
from exchange.shipments import transitions, unshipped, view
from exchange.shipments.models import ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action
from exchange.sync import proposals

SIMPLE = {a.value: a for a in Action if a not in (Action.DISPATCH, Action.RECEIVE)}
STATES = frozenset(s.value for s in ShipmentState)


@dataclass(frozen=True, slots=True)
class ShipmentQuery:
    """The filters of the shipments page as typed: state, partner (either side), and the
    days the shipment last changed (``from`` and ``to`` included, UTC)."""

    state: str
    partner: str
    since: str
    until: str

    @classmethod
    def parse(cls, params: QueryParams) -> ShipmentQuery:
        def text(name: str) -> str:
            return params.get(name, "").strip()

        return cls(text("state"), text("partner"), text("from"), text("to"))

    def filters(self) -> shipments.ShipmentFilter:
        """``ValidationFailed`` naming the field for a value that is not one."""
        if self.state and self.state not in STATES:
            raise errors.ValidationFailed.single(
                "state", "invalid", N_("Choose a state from the list.")
            )
        partner = partner_picker.partner_id(self.partner)
        try:
            since = date.fromisoformat(self.since) if self.since else None
            until = date.fromisoformat(self.until) if self.until else None
        except ValueError:
            raise errors.ValidationFailed.single(
                "filters", "invalid", N_("Choose dates from the form.")
            ) from None
        return shipments.ShipmentFilter(
            state=ShipmentState(self.state) if self.state else None,
            partner_id=partner,
            updated_from=datetime.combine(since, time(), tzinfo=UTC) if since else None,
            updated_to=(
                datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC)
                if until and until < date.max
                else None
            ),
        )

    def query(self, after: str | None = None) -> str:
        values = {
            "state": self.state,
            "partner": self.partner,
            "from": self.since,
            "to": self.until,
            "after": after or "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def _details(data: FormData) -> transitions.EventDetails:
    def text(name: str) -> str | None:
        value = data.get(name, "")
        return (value.strip() or None) if isinstance(value, str) else None

    return transitions.EventDetails(
        location=text("location"),
        note=text("note"),
        tracking_number=text("tracking_number"),
        carrier=text("carrier"),
    )


def _discrepancies(data: FormData, expected: dict[str, tuple[uuid.UUID, int]]) -> list[Discrepancy]:
    """Items whose received count differs from what was sent (``expected``: item id →
    (work id, quantity)); a missing count means all were received. ``ValidationFailed``
    naming every ``received-<item>`` field that is not a whole number up to
    ``MAX_SAFE_INTEGER`` (what a signed receipt can carry). Notes are kept whole: the
    domain's text rule refuses one too long (``transitions.receive``)."""
    found: list[Discrepancy] = []
    problems: list[errors.FieldError] = []
    for item_id, (work_id, quantity) in expected.items():
        raw = data.get(f"received-{item_id}", str(quantity))
        note = data.get(f"note-{item_id}", "")
        try:
            received = web.whole_number(raw, f"received-{item_id}", high=MAX_SAFE_INTEGER)
        except errors.ValidationFailed as error:
            problems.extend(error.errors)
            continue
        if received != quantity:
            written = note.strip() if isinstance(note, str) else ""
            found.append(Discrepancy(work_id, quantity, received, written))
    if problems:
        raise errors.ValidationFailed(problems)
    return found


def routes(runtime: Runtime) -> list[Route]:
    policy = runtime.policy

    def custody() -> Custody:
        return Custody(runtime.settings.key_encryption_key_bytes)

    async def listing(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        shown = ShipmentQuery.parse(request.query_params)
        try:
            filters = shown.filters()
            async with runtime.db.read() as session:
                page = await shipments.listing(
                    who.identity,
                    filters,
                    PageRequest.parse(50, request.query_params.get("after")),
                    session=session,
                    policy=policy,
                )
                listed = await partners.list(
                    who.identity,
                    partners.PartnerFilter(),
                    PageRequest.parse(100, None),
                    session=session,
                    policy=policy,
                )
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        last = page.items[-1].shipment.id if page.has_next and page.items else None
        following = web.cursor_of(last) if last else None
        context = {
            "shipments": page.items,
            "query": shown,
            "states": [s.value for s in ShipmentState],
            "partners": listed.items,
            "next_query": shown.query(following) if following else None,
            "may_pack": bool(who.identity.partners_with(Role.LIBRARIAN)),
        }
        return web.render(request, who, "shipments.html", context)

    async def new(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        identity = who.identity
        found: list[unshipped.Group] = []
        async with runtime.db.read() as session:
            for donor_id in sorted(identity.partners_with(Role.LIBRARIAN)):
                found += await unshipped.groups(identity, donor_id, session=session, policy=policy)
        return web.render(request, who, "shipment_new.html", {"groups": found})

    async def create(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        mode = str(data.get("mode", ""))
        try:
            allocation_ids = [uuid.UUID(str(v)) for v in data.getlist("allocation")]
            async with runtime.db.unit_of_work() as uow:
                created = await transitions.create(
                    who.identity,
                    allocation_ids,
                    ShipmentMode(mode),
                    _details(data),
                    uow=uow,
                    policy=policy,
                )
        except ValueError:
            message = who.language.gettext("Choose the allocations to pack.")
            return web.error_page(request, who, message, 400)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect(f"/shipments/{created.id}")

    async def detail(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        shipment_id = web.path_id(request, "shipment_id")
        try:
            async with runtime.db.read() as session:
                found = await view.read(who.identity, shipment_id, session=session, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        return web.render(request, who, "shipment.html", {"view": found})

    async def act(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return got
        who, data = got
        verb = request.path_params["action"]
        identity = who.identity
        proposed_to: uuid.UUID | None = None
        shipment_id = web.path_id(request, "shipment_id")
        try:
            expected: dict[str, tuple[uuid.UUID, int]] = {}
            if verb == Action.RECEIVE.value:
                async with runtime.db.read() as session:
                    shown = await view.read(identity, shipment_id, session=session, policy=policy)
                expected = {str(i.item.id): (i.work.id, i.item.quantity) for i in shown.items}
            async with runtime.db.unit_of_work() as uow:
                if verb == Action.DISPATCH.value:
                    await transitions.dispatch(
                        identity,
                        shipment_id,
                        _details(data),
                        uow=uow,
                        policy=policy,
                        custody=custody(),
                    )
                elif verb == Action.RECEIVE.value:
                    claimed = await proposals.confirm_receipt(
                        identity,
                        shipment_id,
                        _discrepancies(data, expected),
                        _details(data),
                        uow=uow,
                        policy=policy,
                        custody=custody(),
                    )
                    if claimed.proposed:
                        proposed_to = claimed.owner
                elif verb in SIMPLE:
                    await transitions.act(
                        identity, shipment_id, SIMPLE[verb], _details(data), uow=uow, policy=policy
                    )
                else:
                    return web.not_found(request, who)
        except ValueError:
            return web.not_found(request, who)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        if proposed_to is not None:
            return web.proposed(request, who, proposed_to, f"/shipments/{shipment_id}")
        return web.redirect(f"/shipments/{shipment_id}")

    return [
        Route("/shipments", listing, methods=["GET"]),
        Route("/shipments/new", new, methods=["GET"]),
        Route("/shipments/new", create, methods=["POST"]),
        Route("/shipments/{shipment_id}", detail, methods=["GET"]),
        Route("/shipments/{shipment_id}/{action}", act, methods=["POST"]),
    ]
