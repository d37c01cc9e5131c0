"""Who may search, catalogue and edit works and seminars: a table of Cedar decisions."""

from __future__ import annotations

import uuid

import cedarpy
import pytest

from exchange import clock
from exchange.catalogue.models import Work
from exchange.catalogue.service import resource as work_resource
from exchange.identity.identity import ANONYMOUS, Grant, Identity, Role
from exchange.partners.models import Partner
from exchange.partners.service import resource as partner_resource
from exchange.policy import PLATFORM, PolicyEngine
from exchange.seminars.models import Seminar
from exchange.seminars.service import resource as seminar_resource

OWN = uuid.UUID("0190b6a0-0000-7000-8000-0000000000a1")
OTHER = uuid.UUID("0190b6a0-0000-7000-8000-0000000000b2")


def person(role: Role, partner: uuid.UUID = OWN) -> Identity:
    return Identity(account_id=uuid.uuid4(), email="x@example.org", grants=(Grant(partner, role),))


PEOPLE = {
    "anonymous": ANONYMOUS,
    "researcher": person(Role.RESEARCHER),
    "own librarian": person(Role.LIBRARIAN),
    "other librarian": person(Role.LIBRARIAN, OTHER),
    "coordinator": person(Role.COORDINATOR, OTHER),
    "admin": person(Role.ADMIN, OTHER),
}


def partner(status: str) -> Partner:
    now = clock.now()
    return Partner(
        id=OWN,
        names=[],
        search_text="",
        country="KP",
        kind="national_library",
        status=status,
        tags=[],
        public=True,
        created_at=now,
        updated_at=now,
    )


@pytest.fixture(scope="module")
def policy() -> PolicyEngine:
    return PolicyEngine()


def test_policies_validate_against_the_schema(policy: PolicyEngine) -> None:
    result = cedarpy.validate_policies(policy.policy_text, policy.schema_text)
    assert result.validation_passed, result.errors


# who, partner status, allowed to create for OWN, allowed to update a work of OWN
TABLE = [
    ("anonymous", "active", False, False),
    ("researcher", "active", False, False),
    ("own librarian", "active", True, True),
    ("other librarian", "active", False, False),
    ("coordinator", "active", True, True),
    ("admin", "active", True, True),
    ("own librarian", "suspended", False, False),
    ("coordinator", "suspended", False, False),
    ("admin", "suspended", True, True),
]


@pytest.mark.parametrize(("who", "status", "create", "update"), TABLE)
def test_who_catalogues_and_edits_works_and_seminars(
    policy: PolicyEngine, who: str, status: str, create: bool, update: bool
) -> None:
    identity = PEOPLE[who]
    owner = partner(status)
    owner_resource = partner_resource(owner)
    work = Work(
        kind="textbook",
        titles=[],
        language="en",
        subjects=[],
        created_by_partner_id=OWN,
        search_text="",
        search_tokens="",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    seminar = Seminar(
        title="",
        presenters=[],
        language="en",
        held_on=clock.now().date(),
        host_partner_id=OWN,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    assert policy.allowed(identity, "work.create", owner_resource) is create
    assert policy.allowed(identity, "seminar.create", owner_resource) is create
    assert policy.allowed(identity, "work.update", work_resource(work, owner)) is update
    assert policy.allowed(identity, "seminar.update", seminar_resource(seminar, owner)) is update


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_everyone_searches_the_catalogue(policy: PolicyEngine, who: str) -> None:
    assert policy.allowed(PEOPLE[who], "work.search", PLATFORM)
    assert policy.allowed(PEOPLE[who], "seminar.search", PLATFORM)


def test_creating_without_naming_the_partner_is_denied(policy: PolicyEngine) -> None:
    assert not policy.allowed(PEOPLE["own librarian"], "work.create", PLATFORM)
