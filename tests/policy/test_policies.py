"""The Cedar policies: valid against the schema, and a table of allow/deny cases."""

from __future__ import annotations

import uuid

import cedarpy
import pytest

from exchange.identity.identity import ANONYMOUS, SYSTEM, Grant, Identity, Role
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_resource

ENGINE = PolicyEngine()
OWN = uuid.UUID("0190b6a0-0000-7000-8000-000000000001")
OTHER = uuid.UUID("0190b6a0-0000-7000-8000-000000000002")


def partner(partner_id: uuid.UUID, status: str = "active", public: bool = True) -> Resource:
    return partner_resource(str(partner_id), status, public, [])


def person(*grants: tuple[uuid.UUID, Role]) -> Identity:
    return Identity(
        account_id=uuid.uuid4(), email="p@example.org", grants=tuple(Grant(p, r) for p, r in grants)
    )


ADMIN = person((OTHER, Role.ADMIN))
COORDINATOR = person((OTHER, Role.COORDINATOR))
LIBRARIAN = person((OWN, Role.LIBRARIAN))
RESEARCHER = person((OWN, Role.RESEARCHER))


def test_policy_files_validate_against_the_schema() -> None:
    result = cedarpy.validate_policies(ENGINE.policy_text, ENGINE.schema_text)
    assert result.validation_passed, [str(e) for e in result.errors]


CASES = [
    # who, action, resource, allowed?
    ("admin", ADMIN, "partner.create", PLATFORM, True),
    ("system", SYSTEM, "partner.create", PLATFORM, True),
    ("coordinator", COORDINATOR, "partner.create", PLATFORM, False),
    ("librarian", LIBRARIAN, "partner.create", PLATFORM, False),
    ("anonymous", ANONYMOUS, "partner.create", PLATFORM, False),
    ("librarian own", LIBRARIAN, "partner.update", partner(OWN), True),
    ("librarian other", LIBRARIAN, "partner.update", partner(OTHER), False),
    ("researcher own", RESEARCHER, "partner.update", partner(OWN), False),
    ("librarian own suspended", LIBRARIAN, "partner.update", partner(OWN, "suspended"), False),
    ("admin suspended", ADMIN, "partner.update", partner(OWN, "suspended"), True),
    ("admin suspends", ADMIN, "partner.suspend", partner(OWN), True),
    ("librarian suspends own", LIBRARIAN, "partner.suspend", partner(OWN), False),
    ("admin reactivates", ADMIN, "partner.reactivate", partner(OWN, "suspended"), True),
    (
        "librarian reactivates own",
        LIBRARIAN,
        "partner.reactivate",
        partner(OWN, "suspended"),
        False,
    ),
    ("anonymous reads public", ANONYMOUS, "partner.read", partner(OWN), True),
    ("anonymous reads private", ANONYMOUS, "partner.read", partner(OWN, public=False), False),
    ("member reads private", RESEARCHER, "partner.read", partner(OTHER, public=False), True),
    ("anyone reads suspended", ANONYMOUS, "partner.read", partner(OWN, "suspended"), True),
    ("anonymous lists", ANONYMOUS, "partner.list", PLATFORM, True),
    ("member sees own members", RESEARCHER, "partner.members.read", partner(OWN), True),
    ("member of other sees none", LIBRARIAN, "partner.members.read", partner(OTHER), False),
    ("coordinator sees members", COORDINATOR, "partner.members.read", partner(OWN), True),
    ("anonymous sees no members", ANONYMOUS, "partner.members.read", partner(OWN), False),
    ("admin creates accounts", ADMIN, "account.create", PLATFORM, True),
    ("librarian creates accounts", LIBRARIAN, "account.create", PLATFORM, False),
    ("admin adds memberships", ADMIN, "membership.create", partner(OWN), True),
    ("coordinator adds memberships", COORDINATOR, "membership.create", partner(OWN), False),
    ("admin reads audit", ADMIN, "audit.read", PLATFORM, True),
    ("coordinator reads audit", COORDINATOR, "audit.read", PLATFORM, False),
]


@pytest.mark.parametrize(
    ("who", "identity", "action", "resource", "allowed"),
    CASES,
    ids=[c[0] + ":" + c[2] for c in CASES],
)
def test_policy_table(
    who: str, identity: Identity, action: str, resource: Resource, allowed: bool
) -> None:
    assert ENGINE.allowed(identity, action, resource) is allowed


def test_batched_decisions_match_single_ones() -> None:
    resources = [partner(OWN), partner(OTHER), partner(uuid.uuid4(), "suspended")]
    single = [ENGINE.allowed(LIBRARIAN, "partner.update", r) for r in resources]
    assert (
        ENGINE.allowed_many(LIBRARIAN, "partner.update", resources)
        == single
        == [True, False, False]
    )


def test_evaluation_errors_deny() -> None:
    # missing attributes do not match the schema: an error, which must be a deny, never an allow
    broken = Resource("Partner", str(OWN), {"public": True})
    assert ENGINE.allowed(ADMIN, "partner.update", broken) is False
    assert ENGINE.allowed(ADMIN, "no.such.action", PLATFORM) is False
    assert ENGINE.allowed_many(ADMIN, "partner.update", [broken]) == [False]


def test_decisions_are_kept_and_follow_changed_grants_and_attributes() -> None:
    engine = PolicyEngine()
    account = uuid.uuid4()
    admin = Identity(account_id=account, grants=(Grant(OTHER, Role.ADMIN),))
    demoted = Identity(account_id=account, grants=(Grant(OTHER, Role.LIBRARIAN),))
    own = Identity(account_id=account, grants=(Grant(OWN, Role.LIBRARIAN),))

    assert engine.allowed(admin, "partner.create", PLATFORM) is True
    assert engine.allowed(admin, "partner.create", PLATFORM) is True
    assert engine.allowed(demoted, "partner.create", PLATFORM) is False
    assert engine.allowed(own, "partner.update", partner(OWN)) is True
    assert engine.allowed(own, "partner.update", partner(OWN, "suspended")) is False
    assert engine.allowed(own, "partner.update", partner(OWN)) is True
    assert (engine.recalled, engine.evaluated) == (2, 4)


def test_a_batch_evaluates_only_the_decisions_not_met_before() -> None:
    engine = PolicyEngine()
    own = Identity(account_id=uuid.uuid4(), grants=(Grant(OWN, Role.LIBRARIAN),))
    both = [partner(OWN), partner(OTHER)]

    assert engine.allowed_many(own, "partner.update", both) == [True, False]
    assert (engine.recalled, engine.evaluated) == (0, 2)
    assert engine.allowed_many(own, "partner.update", both) == [True, False]
    assert (engine.recalled, engine.evaluated) == (2, 2)
    assert engine.allowed(own, "partner.update", partner(OWN)) is True  # the batch's answer
    assert (engine.recalled, engine.evaluated) == (3, 2)
    suspended = [partner(OWN), partner(OWN, "suspended")]
    assert engine.allowed_many(own, "partner.update", suspended) == [True, False]
    assert (engine.recalled, engine.evaluated) == (4, 3)
