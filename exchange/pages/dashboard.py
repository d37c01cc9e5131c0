"""The dashboard a signed-in person lands on: each partner they belong to with its counts,
and for coordinators the shipments waiting for their approval."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.catalogue import rights
from exchange.identity.identity import Role
from exchange.pages import web
from exchange.pagination import PageRequest
from exchange.partners import service as partners
from exchange.partners import summary as summaries
from exchange.runtime import Runtime
from exchange.shipments import service as shipments
from exchange.shipments.models import ShipmentState

# Reading order of the counts on the dashboard.
OFFER_STATES = ("draft", "open", "closed", "withdrawn", "expired")
SHIPMENT_STATES = tuple(state.value for state in ShipmentState)


def routes(runtime: Runtime) -> list[Route]:
    async def dashboard(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        if who.session is None:
            return web.redirect("/signin?next=/dashboard")
        identity = who.session.identity
        cards = []
        async with runtime.db.read() as session:
            for grant in identity.grants:
                try:
                    partner = await partners.get(
                        identity, grant.partner_id, session=session, policy=runtime.policy
                    )
                    counts = await summaries.summary(
                        identity, grant.partner_id, session=session, policy=runtime.policy
                    )
                except errors.NotFound:
                    continue
                cards.append({"partner": partner, "role": grant.role.value, "counts": counts})
            cataloguers = await rights.cataloguing_partners(
                identity, session=session, policy=runtime.policy
            )
            awaiting = None
            if identity.has_role(Role.COORDINATOR):
                awaiting = await shipments.list(
                    identity,
                    shipments.ShipmentFilter(state=ShipmentState.AWAITING_APPROVAL),
                    PageRequest.parse(20, None),
                    session=session,
                    policy=runtime.policy,
                )
        return web.render(
            request,
            who,
            "dashboard.html",
            {
                "cards": cards,
                "awaiting": awaiting.items if awaiting else None,
                "shipment_states": SHIPMENT_STATES,
                "may_catalogue": bool(cataloguers),
            },
        )

    return [Route("/dashboard", dashboard, methods=["GET"])]
