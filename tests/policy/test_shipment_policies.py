"""Who may see shipments and take each of their actions (policies/shipments.cedar)."""

from __future__ import annotations

import uuid

import pytest

from exchange.errors import PermissionDenied
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
    ("coordinator creates for a sender", COORDINATOR, "shipment.create", PLAIN, True),
    ("coordinator packs for a sender", COORDINATOR, "shipment.pack", PLAIN, True),
    ("coordinator does not dispatch", COORDINATOR, "shipment.dispatch", PLAIN, False),
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


def denial(identity: Identity, action: str, resource: Resource) -> str:
    with pytest.raises(PermissionDenied) as caught:
        ENGINE.require(identity, action, resource)
    return caught.value.message


def test_a_denial_names_who_may_take_the_action() -> None:
    assert denial(RESEARCHER, "shipment.create", PLAIN) == (
        "not allowed to shipment.create: only librarians of the sending partner,"
        " coordinators or admins may"
    )
    assert denial(COORDINATOR, "shipment.receive", PLAIN) == (
        "not allowed to shipment.receive: only librarians of the receiving partner or admins may"
    )


def test_a_denial_by_a_forbid_names_its_condition() -> None:
    assert denial(SENDING, "shipment.dispatch", HELD) == (
        "not allowed to shipment.dispatch: the receiving partner is under review:"
        " a coordinator approves the shipment first"
    )
    suspended = shipment(sender_status="suspended")
    head, _, reasons = denial(SENDING, "shipment.pack", suspended).partition(": ")
    assert head == "not allowed to shipment.pack"
    assert set(reasons.split("; ")) == {  # both forbids hold; Cedar reports them unordered
        "the sending partner is suspended",
        "a partner it concerns is suspended (only admins act on it until it is reactivated)",
    }


def test_every_policy_says_whom_it_allows_or_what_it_forbids() -> None:
    import json

    import cedarpy

    policies = json.loads(cedarpy.policies_to_json_str(ENGINE.policy_text))["staticPolicies"]
    for policy in policies.values():
        note = "allows" if policy["effect"] == "permit" else "denies"
        assert policy["annotations"].get(note), policy["annotations"]["id"]
