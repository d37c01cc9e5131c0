"""The one suspension rule (policies/suspension.cedar) covers every write action: walked from
the Cedar schema itself, so a write action added later is covered, or this test fails."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from exchange.identity.identity import Grant, Identity, Role
from exchange.policy import PolicyEngine, Resource
from exchange.policy.resource import partner as partner_resource

ENGINE = PolicyEngine()
HOME = uuid.UUID("0190b6a0-0000-7000-8000-0000000000c1")
PEER = uuid.UUID("0190b6a0-0000-7000-8000-0000000000c2")

# Writes that only admins take, suspended partner or not (admins are not bound by the rule).
ADMINS_ONLY = {
    "partner.govern",
    "partner.suspend",
    "partner.reactivate",
    "membership.create",
    "membership.delete",
}

ACTION = re.compile(
    r'action "(?P<name>[^"]+)" in \[(?P<groups>[^\]]*)\] appliesTo \{\s*'
    r"principal: \[[^\]]*\], resource: \[(?P<resources>[^\]]*)\]",
)


def write_actions() -> list[tuple[str, str]]:
    """(action, resource type) for every action of the "write" group, from the schema."""
    found = []
    for match in ACTION.finditer(ENGINE.schema_text):
        if '"write"' in match["groups"]:
            for resource in match["resources"].split(","):
                found.append((match["name"], resource.strip()))
    return found


def partners(status: str) -> tuple[Resource, Resource]:
    return partner_resource(str(HOME), status, True, []), partner_resource(
        str(PEER), "active", True, []
    )


def thing(entity_type: str, status: str) -> Resource:
    """A resource of ``entity_type`` that is HOME's (HOME in ``status``), with a peer."""
    home, peer = partners(status)
    if entity_type == "Partner":
        return home
    attrs: dict[str, dict[str, Any]] = {
        "Work": {"partner": home.ref, "kind": "textbook"},
        "Seminar": {"host": home.ref},
        "Offer": {"partner": home.ref, "state": "open"},
        "ResourceRequest": {"partner": home.ref, "state": "open"},
        "Allocation": {"offerPartner": peer.ref, "requestPartner": home.ref},
        "DigitalObject": {
            "owner": home.ref,
            "licenceOpen": True,
            "requiredTag": "",
            "embargoed": False,
            "available": False,
            "recipients": [],
            "inShipment": False,
            "shipmentReleased": False,
            "shipmentParties": [home.ref],
        },
        "Shipment": {"sender": home.ref, "receiver": peer.ref, "approved": True},
    }
    return Resource(
        entity_type,
        "0190b6a0-0000-7000-8000-0000000000f1",
        attrs[entity_type],  # a KeyError here: a new kind of resource needs a sample
        (*home.entities(), *peer.entities()),
        parents=(home.uid, peer.uid),
    )


# A librarian of both partners who also coordinates: allowed every write that is not an
# admin's, as long as nobody is suspended.
EVERYTHING_BUT_ADMIN = Identity(
    account_id=uuid.uuid4(),
    grants=(
        Grant(HOME, Role.LIBRARIAN),
        Grant(PEER, Role.LIBRARIAN),
        Grant(PEER, Role.COORDINATOR),
    ),
)
ADMIN = Identity(account_id=uuid.uuid4(), grants=(Grant(PEER, Role.ADMIN),))
WRITES = [(a, r) for a, r in write_actions() if r != "Platform"]


def test_the_schema_is_read() -> None:
    assert ("shipment.cancel", "Shipment") in WRITES
    assert ("allocation.release", "Allocation") in WRITES
    assert len(WRITES) >= 25


@pytest.mark.parametrize(("action", "entity_type"), WRITES)
def test_no_write_of_a_suspended_partner_but_by_admins(action: str, entity_type: str) -> None:
    active, suspended = thing(entity_type, "active"), thing(entity_type, "suspended")
    # the request is well formed and, while the partner is active, allowed (or admins' only)
    assert ENGINE.allowed(EVERYTHING_BUT_ADMIN, action, active) is (action not in ADMINS_ONLY)
    assert ENGINE.allowed(EVERYTHING_BUT_ADMIN, action, suspended) is False


@pytest.mark.parametrize("action", ["shipment.cancel", "shipment.lose", "key.revoke"])
def test_admins_can_still_wind_a_suspended_partner_down(action: str) -> None:
    entity_type = "Partner" if action.startswith("key.") else "Shipment"
    assert ENGINE.allowed(ADMIN, action, thing(entity_type, "suspended"))
