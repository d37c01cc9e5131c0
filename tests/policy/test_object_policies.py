"""Who may upload, see and download digital objects, and read usage: Cedar decisions."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import cedarpy
import pytest

from exchange import clock
from exchange.identity.identity import ANONYMOUS, Grant, Identity, Role
from exchange.objects.access import RELEASED, Carrier, resource
from exchange.objects.models import DigitalObject
from exchange.partners.models import Partner
from exchange.partners.service import resource as partner_resource
from exchange.policy import PLATFORM, PolicyEngine
from exchange.shipments import workflow
from exchange.shipments.models import ShipmentState

OWN = uuid.UUID("0190b6a0-0000-7000-8000-0000000000a1")
OTHER = uuid.UUID("0190b6a0-0000-7000-8000-0000000000b2")
TODAY = date(2026, 1, 10)


def person(role: Role, partner: uuid.UUID = OWN) -> Identity:
    return Identity(account_id=uuid.uuid4(), email="x@example.org", grants=(Grant(partner, role),))


PEOPLE = {
    "anonymous": ANONYMOUS,
    "own researcher": person(Role.RESEARCHER),
    "other researcher": person(Role.RESEARCHER, OTHER),
    "own librarian": person(Role.LIBRARIAN),
    "other librarian": person(Role.LIBRARIAN, OTHER),
    "coordinator": person(Role.COORDINATOR, OTHER),
    "admin": person(Role.ADMIN, OTHER),
}


def owner(status: str = "active") -> Partner:
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


def obj(
    licence_open: bool = False,
    tag: str | None = None,
    embargo: date | None = None,
    state: str = "available",
) -> DigitalObject:
    return DigitalObject(
        filename="a.pdf",
        size=1,
        sha256="0" * 64,
        declared_media_type="application/pdf",
        licence="CC-BY-4.0" if licence_open else "LicenseRef-X",
        licence_open=licence_open,
        required_tag=tag,
        embargo_until=embargo,
        work_id=uuid.uuid4(),
        owner_partner_id=OWN,
        state=state,
        storage_key="objects/x",
        created_by="system",
        created_at=clock.now(),
    )


@pytest.fixture(scope="module")
def policy() -> PolicyEngine:
    return PolicyEngine()


def test_policies_validate_against_the_schema(policy: PolicyEngine) -> None:
    result = cedarpy.validate_policies(policy.policy_text, policy.schema_text)
    assert result.validation_passed, result.errors


OBJECTS = {
    "open": obj(licence_open=True),
    "owned": obj(),
    "tagged": obj(tag="income-eligible"),
    "embargoed": obj(licence_open=True, embargo=TODAY + timedelta(days=1)),
    "embargo over": obj(licence_open=True, embargo=TODAY),
    "pending": obj(licence_open=True, state="pending"),
}
# who, the tags of their partners → objects they may download
DOWNLOADS = [
    ("anonymous", [], {"open", "embargo over"}),
    ("own researcher", [], {"open", "owned", "tagged", "embargo over"}),
    ("other researcher", [], {"open", "embargo over"}),
    ("other researcher", ["income-eligible"], {"open", "tagged", "embargo over"}),
    ("own librarian", [], {"open", "owned", "tagged", "embargoed", "embargo over"}),
    ("other librarian", [], {"open", "embargo over"}),
    ("coordinator", [], {"open", "embargo over"}),
    ("admin", [], {"open", "owned", "tagged", "embargoed", "embargo over"}),
]


@pytest.mark.parametrize(("who", "tags", "allowed"), DOWNLOADS)
def test_who_downloads_what(
    policy: PolicyEngine, who: str, tags: list[str], allowed: set[str]
) -> None:
    decided = {
        name
        for name, o in OBJECTS.items()
        if policy.allowed(
            PEOPLE[who], "object.download", resource(o, owner(), TODAY), {"partnerTags": tags}
        )
    }
    assert decided == allowed


# who, owner status → may upload for OWN
UPLOADS = [
    ("anonymous", "active", False),
    ("own researcher", "active", False),
    ("own librarian", "active", True),
    ("other librarian", "active", False),
    ("coordinator", "active", False),
    ("admin", "active", True),
    ("own librarian", "suspended", False),
    ("admin", "suspended", True),
]


@pytest.mark.parametrize(("who", "status", "allowed"), UPLOADS)
def test_who_uploads(policy: PolicyEngine, who: str, status: str, allowed: bool) -> None:
    entity = resource(obj(state="pending"), owner(status), TODAY)
    assert policy.allowed(PEOPLE[who], "object.upload", entity) is allowed


@pytest.mark.parametrize(
    ("who", "available", "pending"),
    [
        ("anonymous", True, False),
        ("other researcher", True, False),
        ("own researcher", True, True),
        ("coordinator", True, True),
        ("admin", True, True),
    ],
)
def test_who_sees_objects(policy: PolicyEngine, who: str, available: bool, pending: bool) -> None:
    for o, expected in ((OBJECTS["open"], available), (OBJECTS["pending"], pending)):
        assert policy.allowed(PEOPLE[who], "object.read", resource(o, owner(), TODAY)) is expected


@pytest.mark.parametrize(
    ("who", "everyone", "own"),
    [
        ("anonymous", False, False),
        ("own researcher", False, False),
        ("own librarian", False, True),
        ("other librarian", False, False),
        ("coordinator", True, True),
        ("admin", True, True),
    ],
)
def test_who_reads_usage_and_maintains_storage(
    policy: PolicyEngine, who: str, everyone: bool, own: bool
) -> None:
    identity = PEOPLE[who]
    assert policy.allowed(identity, "report.usage", PLATFORM) is everyone
    assert policy.allowed(identity, "report.usage", partner_resource(owner())) is own
    assert policy.allowed(identity, "object.maintain", PLATFORM) is (who == "admin")


RECEIVER = uuid.UUID("0190b6a0-0000-7000-8000-0000000000c3")
SHIPPING = {
    **PEOPLE,
    "receiver researcher": person(Role.RESEARCHER, RECEIVER),
    "receiver librarian": person(Role.LIBRARIAN, RECEIVER),
}


def shipped(licence_open: bool, released: bool) -> tuple[DigitalObject, Carrier]:
    """A file of a shipment from OWN (its owner, the sender) to RECEIVER."""
    o = obj(licence_open=licence_open)
    o.work_id, o.shipment_id = None, uuid.uuid4()
    parties = (OWN, RECEIVER) if released else (OWN,)
    return o, Carrier(parties, released)


# who → (restricted draft, open draft, restricted dispatched, open dispatched) they may see
SHIPMENT_FILE_READS = [
    ("anonymous", (False, False, False, True)),
    ("own researcher", (True, True, True, True)),
    ("own librarian", (True, True, True, True)),
    ("other librarian", (False, False, False, True)),
    ("other researcher", (False, False, False, True)),
    ("receiver researcher", (False, False, True, True)),
    ("receiver librarian", (False, False, True, True)),
    ("coordinator", (True, True, True, True)),
    ("admin", (True, True, True, True)),
]
CASES = ((False, False), (True, False), (False, True), (True, True))


@pytest.mark.parametrize(("who", "expected"), SHIPMENT_FILE_READS)
def test_shipment_files_are_seen_by_its_parties_only(
    policy: PolicyEngine, who: str, expected: tuple[bool, ...]
) -> None:
    """An available object attached to a shipment: the sender's side sees it before
    dispatch, the receiver's after, staff always, others only an open one that left."""
    seen = []
    for licence_open, released in CASES:
        o, carrier = shipped(licence_open, released)
        entity = resource(o, owner(), TODAY, carrier=carrier)
        seen.append(policy.allowed(SHIPPING[who], "object.read", entity))
    assert tuple(seen) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", (False, False, False, True)),
        ("other librarian", (False, False, False, True)),
        ("own researcher", (True, True, True, True)),
        # the receiver downloads a restricted file once it received it (``recipients``)
        ("receiver librarian", (False, False, False, True)),
        # staff see every shipment: an open file is theirs to download before it leaves
        ("coordinator", (False, True, False, True)),
        ("admin", (True, True, True, True)),
    ],
)
def test_shipment_files_download_only_where_seen(
    policy: PolicyEngine, who: str, expected: tuple[bool, ...]
) -> None:
    got = []
    for licence_open, released in CASES:
        o, carrier = shipped(licence_open, released)
        entity = resource(o, owner(), TODAY, carrier=carrier)
        got.append(policy.allowed(SHIPPING[who], "object.download", entity, {"partnerTags": []}))
    assert tuple(got) == expected


def test_a_shipment_file_without_its_carrier_is_the_owners_and_staffs_only(
    policy: PolicyEngine,
) -> None:
    """Fails closed: an entity built without the shipment (``carrier``) hides the file
    from everyone but the owner's members and staff, even when its licence is open."""
    o, _carrier = shipped(licence_open=True, released=True)
    entity = resource(o, owner(), TODAY)
    seen = {
        who for who, identity in SHIPPING.items() if policy.allowed(identity, "object.read", entity)
    }
    assert seen == {"own researcher", "own librarian", "coordinator", "admin"}


def test_released_states_are_those_after_dispatch() -> None:
    gone = {s.value for s in ShipmentState} - {s.value for s in workflow.BEFORE_DISPATCH}
    assert set(RELEASED) == gone - {ShipmentState.CANCELLED.value}
