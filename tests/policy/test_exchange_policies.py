"""Allow/deny table of the exchange's policies (offers, requests, allocations)."""

from __future__ import annotations

import uuid

import pytest

from exchange.identity.identity import ANONYMOUS, Grant, Identity, Role
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_resource
from exchange.policy.resource import ref

ENGINE = PolicyEngine()
DONOR = uuid.UUID("0190b6a0-0000-7000-8000-0000000000d0")
TAKER = uuid.UUID("0190b6a0-0000-7000-8000-0000000000e0")


def partner_entity(partner_id: uuid.UUID, status: str) -> dict[str, object]:
    return partner(partner_id, status).entities()[0]


def partner(partner_id: uuid.UUID, status: str = "active") -> Resource:
    return partner_resource(str(partner_id), status, True, [])


def offer(status: str = "active") -> Resource:
    return Resource(
        "Offer",
        "o1",
        {"partner": ref("Partner", str(DONOR)), "state": "open"},
        (partner_entity(DONOR, status),),
        parents=(partner(DONOR).uid,),
    )


def request(status: str = "active") -> Resource:
    return Resource(
        "ResourceRequest",
        "r1",
        {"partner": ref("Partner", str(TAKER)), "state": "open"},
        (partner_entity(TAKER, status),),
        parents=(partner(TAKER).uid,),
    )


def allocation(donor: str = "active", taker: str = "active") -> Resource:
    return Resource(
        "Allocation",
        "new",
        {"offerPartner": ref("Partner", str(DONOR)), "requestPartner": ref("Partner", str(TAKER))},
        (partner_entity(DONOR, donor), partner_entity(TAKER, taker)),
        parents=(partner(DONOR).uid, partner(TAKER).uid),
    )


def person(partner_id: uuid.UUID, role: Role) -> Identity:
    return Identity(account_id=uuid.uuid4(), grants=(Grant(partner_id, role),))


DONOR_LIBRARIAN = person(DONOR, Role.LIBRARIAN)
TAKER_LIBRARIAN = person(TAKER, Role.LIBRARIAN)
TAKER_RESEARCHER = person(TAKER, Role.RESEARCHER)
COORDINATOR = person(uuid.uuid4(), Role.COORDINATOR)

CASES = [
    ("donor librarian posts offer", DONOR_LIBRARIAN, "offer.create", partner(DONOR), True),
    ("other librarian posts donor's offer", TAKER_LIBRARIAN, "offer.create", partner(DONOR), False),
    ("coordinator posts offer", COORDINATOR, "offer.create", partner(DONOR), False),
    (
        "suspended donor posts offer",
        DONOR_LIBRARIAN,
        "offer.create",
        partner(DONOR, "suspended"),
        False,
    ),
    ("donor librarian edits offer", DONOR_LIBRARIAN, "offer.update", offer(), True),
    ("other librarian edits offer", TAKER_LIBRARIAN, "offer.update", offer(), False),
    ("suspended donor edits offer", DONOR_LIBRARIAN, "offer.update", offer("suspended"), False),
    ("librarian posts own request", TAKER_LIBRARIAN, "request.create", partner(TAKER), True),
    ("researcher posts request", TAKER_RESEARCHER, "request.create", partner(TAKER), False),
    (
        "suspended partner posts request",
        TAKER_LIBRARIAN,
        "request.create",
        partner(TAKER, "suspended"),
        False,
    ),
    ("librarian cancels own request", TAKER_LIBRARIAN, "request.update", request(), True),
    ("donor cancels another's request", DONOR_LIBRARIAN, "request.update", request(), False),
    ("coordinator allocates", COORDINATOR, "allocation.create", allocation(), True),
    ("requester's librarian claims", TAKER_LIBRARIAN, "allocation.create", allocation(), True),
    (
        "donor's librarian claims for another",
        DONOR_LIBRARIAN,
        "allocation.create",
        allocation(),
        False,
    ),
    ("researcher claims", TAKER_RESEARCHER, "allocation.create", allocation(), False),
    (
        "allocate from suspended donor",
        COORDINATOR,
        "allocation.create",
        allocation(donor="suspended"),
        False,
    ),
    (
        "allocate to suspended partner",
        COORDINATOR,
        "allocation.create",
        allocation(taker="suspended"),
        False,
    ),
    (
        "suspended partner claims",
        TAKER_LIBRARIAN,
        "allocation.create",
        allocation(taker="suspended"),
        False,
    ),
    ("coordinator releases", COORDINATOR, "allocation.release", allocation(), True),
    ("claimer releases", TAKER_LIBRARIAN, "allocation.release", allocation(), True),
    ("coordinator sees suggestions", COORDINATOR, "suggestion.read", request(), True),
    ("requester sees suggestions", TAKER_LIBRARIAN, "suggestion.read", request(), True),
    ("donor sees requester's suggestions", DONOR_LIBRARIAN, "suggestion.read", request(), False),
    ("member lists offers", TAKER_RESEARCHER, "offer.list", PLATFORM, True),
    ("anonymous lists offers", ANONYMOUS, "offer.list", PLATFORM, False),
    ("anonymous reads a request", ANONYMOUS, "request.read", request(), False),
]


@pytest.mark.parametrize(
    ("who", "identity", "action", "resource", "allowed"), CASES, ids=[c[0] for c in CASES]
)
def test_exchange_policy_table(
    who: str, identity: Identity, action: str, resource: Resource, allowed: bool
) -> None:
    assert ENGINE.allowed(identity, action, resource) is allowed
