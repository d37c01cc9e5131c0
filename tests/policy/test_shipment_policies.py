"""Who may see shipments and take each of their actions (policies/shipments.cedar)."""

from __future__ import annotations

import uuid

import pytest

from exchange.identity.identity import ANONYMOUS, SYSTEM, Grant, Identity, Role
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_resource

ENGINE = PolicyEngine()
SENDER = uuid.UUID("0190b6a0-0000-7000-8000-000000000001")
RECEIVER = uuid.UUID("0190b6a0-0000-7000-8000-000000000002")
ELSEWHERE = uuid.UUID("0190b6a0-0000-7000-8000-000000000003")


def shipment(
    *, review: bool = False, approved: bool = False, sender_status: str = "active"
) -> Resource:
    sender = partner_resource(str(SENDER), sender_status, True, [])
    tags = ["review-destination"] if review else []
    receiver = partner_resource(str(RECEIVER), "active", True, tags)
    return Resource(
        "Shipment",
        "0190b6a0-0000-7000-8000-0000000000aa",
        {"sender": sender.ref, "receiver": receiver.ref, "approved": approved},
        related=(*sender.entities(), *receiver.entities()),
        parents=(sender.uid, receiver.uid),
    )


def person(partner: uuid.UUID, role: Role) -> Identity:
    return Identity(account_id=uuid.uuid4(), grants=(Grant(partner, role),))


SENDING = person(SENDER, Role.LIBRARIAN)
RECEIVING = person(RECEIVER, Role.LIBRARIAN)
OUTSIDER = person(ELSEWHERE, Role.LIBRARIAN)
RESEARCHER = person(RECEIVER, Role.RESEARCHER)
COORDINATOR = person(ELSEWHERE, Role.COORDINATOR)
ADMIN = person(ELSEWHERE, Role.ADMIN)
PLAIN, HELD, RELEASED = shipment(), shipment(review=True), shipment(review=True, approved=True)

CASES = [
    ("member lists", OUTSIDER, "shipment.list", PLATFORM, True),
    ("anonymous lists", ANONYMOUS, "shipment.list", PLATFORM, False),
    ("sender reads", SENDING, "shipment.read", PLAIN, True),
    ("receiver's researcher reads", RESEARCHER, "shipment.read", PLAIN, True),
    ("outsider reads", OUTSIDER, "shipment.read", PLAIN, False),
    ("coordinator reads", COORDINATOR, "shipment.read", PLAIN, True),
    ("anonymous reads", ANONYMOUS, "shipment.read", PLAIN, False),
    ("sender creates", SENDING, "shipment.create", PLAIN, True),
    ("receiver creates", RECEIVING, "shipment.create", PLAIN, False),
    (
        "suspended sender creates",
        SENDING,
        "shipment.create",
        shipment(sender_status="suspended"),
        False,
    ),
    ("sender packs", SENDING, "shipment.pack", PLAIN, True),
    ("coordinator packs", COORDINATOR, "shipment.pack", PLAIN, False),
    ("coordinator approves", COORDINATOR, "shipment.approve", HELD, True),
    ("sender approves", SENDING, "shipment.approve", HELD, False),
    ("sender dispatches", SENDING, "shipment.dispatch", PLAIN, True),
    ("sender dispatches held", SENDING, "shipment.dispatch", HELD, False),
    ("admin dispatches held", ADMIN, "shipment.dispatch", HELD, False),
    ("system dispatches held", SYSTEM, "shipment.dispatch", HELD, False),
    ("sender dispatches approved", SENDING, "shipment.dispatch", RELEASED, True),
    ("receiver dispatches", RECEIVING, "shipment.dispatch", PLAIN, False),
    ("receiver tracks", RECEIVING, "shipment.track", PLAIN, True),
    ("researcher tracks", RESEARCHER, "shipment.track", PLAIN, False),
    ("receiver receives", RECEIVING, "shipment.receive", PLAIN, True),
    ("sender receives", SENDING, "shipment.receive", PLAIN, False),
    ("coordinator receives", COORDINATOR, "shipment.receive", PLAIN, False),
    ("admin receives", ADMIN, "shipment.receive", PLAIN, True),
    ("sender cancels", SENDING, "shipment.cancel", PLAIN, True),
    ("receiver cancels", RECEIVING, "shipment.cancel", PLAIN, False),
    ("coordinator marks lost", COORDINATOR, "shipment.lose", PLAIN, True),
    ("receiver marks lost", RECEIVING, "shipment.lose", PLAIN, False),
]


@pytest.mark.parametrize(
    ("who", "identity", "action", "resource", "allowed"), CASES, ids=[c[0] for c in CASES]
)
def test_shipment_policy_table(
    who: str, identity: Identity, action: str, resource: Resource, allowed: bool
) -> None:
    assert ENGINE.allowed(identity, action, resource) is allowed, who
