"""Who may register, revoke, list and sign with a partner's signing keys."""

from __future__ import annotations

import uuid

import pytest

from exchange.identity.identity import ANONYMOUS, SYSTEM, Grant, Identity, Role
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_resource

ENGINE = PolicyEngine()
OWN = uuid.UUID("0190b6a0-0000-7000-8000-000000000001")
OTHER = uuid.UUID("0190b6a0-0000-7000-8000-000000000002")


def partner(partner_id: uuid.UUID, status: str = "active") -> Resource:
    return partner_resource(str(partner_id), status, True, [])


def person(*grants: tuple[uuid.UUID, Role]) -> Identity:
    return Identity(
        account_id=uuid.uuid4(), email="p@example.org", grants=tuple(Grant(p, r) for p, r in grants)
    )


ADMIN = person((OTHER, Role.ADMIN))
COORDINATOR = person((OTHER, Role.COORDINATOR))
LIBRARIAN = person((OWN, Role.LIBRARIAN))
RESEARCHER = person((OWN, Role.RESEARCHER))

CASES = [
    # who, identity, action, resource, allowed?
    ("admin", ADMIN, "key.register", partner(OWN), True),
    ("system", SYSTEM, "key.register", partner(OWN), True),
    ("librarian own", LIBRARIAN, "key.register", partner(OWN), True),
    ("librarian other", LIBRARIAN, "key.register", partner(OTHER), False),
    ("librarian own suspended", LIBRARIAN, "key.register", partner(OWN, "suspended"), False),
    ("coordinator", COORDINATOR, "key.register", partner(OWN), False),
    ("researcher own", RESEARCHER, "key.register", partner(OWN), False),
    ("anonymous", ANONYMOUS, "key.register", partner(OWN), False),
    ("admin", ADMIN, "key.revoke", partner(OWN), True),
    ("admin suspended", ADMIN, "key.revoke", partner(OWN, "suspended"), True),
    ("librarian own", LIBRARIAN, "key.revoke", partner(OWN), True),
    ("librarian other", LIBRARIAN, "key.revoke", partner(OTHER), False),
    ("researcher own", RESEARCHER, "key.revoke", partner(OWN), False),
    ("anonymous", ANONYMOUS, "key.revoke", partner(OWN), False),
    ("librarian own", LIBRARIAN, "key.sign", partner(OWN), True),
    ("librarian other", LIBRARIAN, "key.sign", partner(OTHER), False),
    ("librarian own suspended", LIBRARIAN, "key.sign", partner(OWN, "suspended"), False),
    ("coordinator", COORDINATOR, "key.sign", partner(OWN), False),
    ("anonymous", ANONYMOUS, "key.sign", partner(OWN), False),
    ("anonymous jwks", ANONYMOUS, "key.list", PLATFORM, True),
    ("anonymous partner", ANONYMOUS, "key.list", partner(OWN), True),
    ("researcher other", RESEARCHER, "key.list", partner(OTHER), True),
]


@pytest.mark.parametrize(
    ("who", "identity", "action", "resource", "allowed"),
    CASES,
    ids=[c[0] + ":" + c[2] for c in CASES],
)
def test_key_policy_table(
    who: str, identity: Identity, action: str, resource: Resource, allowed: bool
) -> None:
    assert ENGINE.allowed(identity, action, resource) is allowed


def test_key_actions_on_the_platform_other_than_listing_are_denied() -> None:
    assert ENGINE.allowed(ADMIN, "key.register", PLATFORM) is False
