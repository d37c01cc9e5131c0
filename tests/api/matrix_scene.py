"""The world the authorization matrix walks: four partners, one account per role, and a
factory for a fresh target of every mutation, owned by a given partner.

Partners: ``owner`` (the one the acting librarian belongs to), ``other``, ``suspended``
(suspended once its targets exist) and ``counterpart`` (the other side of allocations and
shipments; flagged for review, so shipments to it wait for a coordinator's approval).
Targets are made through the services, as their rightful actors would make them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from exchange import clock
from exchange.allocations import service as allocations
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.db.metadata import metadata
from exchange.identity import service as identity_service
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.identity.models import Account
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.objects import uploads
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.seminars import service as seminars
from exchange.shipments import transitions
from exchange.shipments.models import ShipmentMode, ShipmentState
from exchange.shipments.workflow import Action

ROLES = (
    "anonymous",
    "no membership",
    "researcher",
    "librarian of the owner",
    "librarian of another partner",
    "librarian of a suspended partner",
    "coordinator",
    "admin",
)
PASSWORD = "correct horse battery staple"
BYTES = b"lecture notes\n" * 64
RESTRICTED = "LicenseRef-Owners-Only"  # neither open nor tagged: the owner's members download


def librarian_of(partner: uuid.UUID) -> Identity:
    """A librarian of ``partner`` for setting up (not an account of the matrix)."""
    return Identity(account_id=uuid.uuid4(), grants=(Grant(partner, Role.LIBRARIAN),))


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


@dataclass
class Scene:
    runtime: Runtime
    owner: uuid.UUID
    other: uuid.UUID
    suspended: uuid.UUID
    counterpart: uuid.UUID
    accounts: dict[str, Account]
    tokens: dict[str, str]
    _lines: dict[tuple[uuid.UUID, str], tuple[uuid.UUID, uuid.UUID]] = field(default_factory=dict)
    _count: int = 0

    def home(self, role: str) -> uuid.UUID:
        """The partner whose things a role acts on: a suspended partner's librarian acts on
        its own partner's; everyone else on the owner's."""
        return self.suspended if role == "librarian of a suspended partner" else self.owner

    def unique(self) -> int:
        self._count += 1
        return self._count

    @property
    def custody(self) -> Custody:
        return Custody(self.runtime.settings.key_encryption_key_bytes)

    async def token(self, role: str) -> str:
        """A fresh bearer token of the role's account."""
        async with self.runtime.db.unit_of_work() as uow:
            _row, secret = await tokens.issue_token(
                self.accounts[role], uow=uow, ttl=timedelta(days=1)
            )
        return secret

    async def partner(self, *, suspended: bool = False) -> uuid.UUID:
        async with self.runtime.db.unit_of_work() as uow:
            draft = partners.PartnerDraft(
                [("en", f"Library {self.unique()}")], "KE", PartnerKind.UNIVERSITY_LIBRARY, []
            )
            made = await partners.create(SYSTEM, draft, uow=uow, policy=self.runtime.policy)
            if suspended:
                await partners.suspend(SYSTEM, made.id, uow=uow, policy=self.runtime.policy)
        return made.id

    async def account(self) -> uuid.UUID:
        async with self.runtime.db.unit_of_work() as uow:
            n = self.unique()
            draft = identity_service.AccountDraft(f"person{n}@example.org", f"Person {n}")
            made = await identity_service.create_account(
                SYSTEM, draft, uow=uow, policy=self.runtime.policy
            )
        return made.id

    async def work(self, home: uuid.UUID, kind: WorkKind = WorkKind.TEXTBOOK) -> uuid.UUID:
        draft = WorkDraft(
            kind=kind,
            titles=[("en", f"Hydraulics, part {self.unique()}")],
            language="en",
            partner_id=home,
        )
        async with self.runtime.db.unit_of_work() as uow:
            return (await catalogue.create(SYSTEM, draft, uow=uow, policy=self.runtime.policy)).id

    async def seminar(self, home: uuid.UUID) -> uuid.UUID:
        draft = seminars.SeminarDraft(
            f"Soil mechanics {self.unique()}", ["A. Presenter"], "en", date(2026, 5, 4), home
        )
        async with self.runtime.db.unit_of_work() as uow:
            return (await seminars.create(SYSTEM, draft, uow=uow, policy=self.runtime.policy)).id

    async def upload(
        self,
        home: uuid.UUID,
        *,
        shipment: uuid.UUID | None = None,
        licence: str = RESTRICTED,
        stored: bool = True,
        complete: bool = False,
    ) -> uuid.UUID:
        """A digital object of ``home``: pending (its bytes ``stored`` or not), or made
        available (``complete``); attached to a new work of home's, or to ``shipment``."""
        attachment = (
            uploads.Attachment(shipment_id=shipment)
            if shipment is not None
            else uploads.Attachment(work_id=await self.work(home))
        )
        digest = hashlib.sha256(BYTES).hexdigest()
        draft = uploads.UploadDraft(
            "notes.txt", len(BYTES), digest, "text/plain", licence, attachment, home
        )
        rt = self.runtime
        async with rt.db.unit_of_work() as uow:
            started = await uploads.start_upload(
                SYSTEM, draft, uow=uow, storage=rt.storage, policy=rt.policy, multipart=False
            )
        if stored:
            await rt.storage.put(
                started.object.storage_key,
                _once(BYTES),
                expected_size=len(BYTES),
                expected_sha256=digest,
            )
        if complete:
            done = await uploads.complete_upload(
                SYSTEM, started.object.id, db=rt.db, storage=rt.storage, policy=rt.policy
            )
            assert done.rejected is None
        return started.object.id

    async def offer(self, home: uuid.UUID, *, publish: bool) -> tuple[uuid.UUID, uuid.UUID]:
        """A print offer of ``home`` (draft, or open); (offer id, its line id)."""
        work = await self.work(home)
        donor = librarian_of(home)
        draft = offers.OfferDraft(
            home,
            [offers.OfferLineDraft(work, 100_000, Format.PRINT, Condition.GOOD)],
            clock.now() + timedelta(days=60),
        )
        policy = self.runtime.policy
        async with self.runtime.db.unit_of_work() as uow:
            offer = await offers.create(donor, draft, uow=uow, policy=policy)
            if publish:
                await offers.transition(donor, offer.id, "publish", uow=uow, policy=policy)
            line = (await offers.lines_of([offer.id], session=uow.session))[offer.id][0]
        return offer.id, line.id

    async def request(self, home: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
        """An open request of ``home`` with a note; (request id, its line id)."""
        draft = requests.RequestDraft(
            home,
            [requests.RequestLineDraft(5, subject="hydraulics")],
            note="for the spring term; ask for Dr. Kim",
        )
        async with self.runtime.db.unit_of_work() as uow:
            made = await requests.create(
                librarian_of(home), draft, uow=uow, policy=self.runtime.policy
            )
            line = (await requests.lines_of([made.id], session=uow.session))[made.id][0]
        return made.id, line.id

    async def _line(self, donor: uuid.UUID, mode: ShipmentMode) -> tuple[uuid.UUID, uuid.UUID]:
        """One large open offer line per donor and format: (line id, its work id)."""
        key = (donor, mode.value)
        if key not in self._lines:
            work = await self.work(donor)
            digital = mode is ShipmentMode.DIGITAL
            line_draft = (
                offers.OfferLineDraft(work, 100_000, Format.DIGITAL)
                if digital
                else offers.OfferLineDraft(work, 100_000, Format.PRINT, Condition.NEW)
            )
            draft = offers.OfferDraft(
                donor,
                [line_draft],
                clock.now() + timedelta(days=60),
                licence="CC-BY-4.0" if digital else None,
            )
            policy, sender = self.runtime.policy, librarian_of(donor)
            async with self.runtime.db.unit_of_work() as uow:
                offer = await offers.create(sender, draft, uow=uow, policy=policy)
                await offers.transition(sender, offer.id, "publish", uow=uow, policy=policy)
                line = (await offers.lines_of([offer.id], session=uow.session))[offer.id][0]
            self._lines[key] = (line.id, work)
        return self._lines[key]

    async def allocation(
        self, donor: uuid.UUID, requester: uuid.UUID, mode: ShipmentMode = ShipmentMode.PHYSICAL
    ) -> uuid.UUID:
        """One copy of the donor's line promised to a new request of the requester."""
        line, work = await self._line(donor, mode)
        taker = librarian_of(requester)
        policy = self.runtime.policy
        async with self.runtime.db.unit_of_work() as uow:
            made = await requests.create(
                taker,
                requests.RequestDraft(requester, [requests.RequestLineDraft(1, work_id=work)]),
                uow=uow,
                policy=policy,
            )
            wanted = (await requests.lines_of([made.id], session=uow.session))[made.id][0]
            allocation = await allocations.allocate(
                taker, line, wanted.id, 1, uow=uow, policy=policy
            )
        return allocation.id

    async def shipment(
        self,
        sender: uuid.UUID,
        receiver: uuid.UUID,
        state: ShipmentState,
        mode: ShipmentMode = ShipmentMode.PHYSICAL,
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """A shipment of one new allocation, taken to ``state``; (shipment id, allocation id)."""
        allocation = await self.allocation(sender, receiver, mode)
        rt = self.runtime
        async with rt.db.unit_of_work() as uow:
            made = await transitions.create(
                librarian_of(sender), [allocation], mode, uow=uow, policy=rt.policy
            )
        path = {
            ShipmentState.DRAFT: [],
            ShipmentState.AWAITING_APPROVAL: [Action.PACK],
            ShipmentState.APPROVED: [Action.PACK, Action.APPROVE],
            ShipmentState.DISPATCHED: [Action.PACK, Action.APPROVE, Action.DISPATCH],
            ShipmentState.DELIVERED: [
                Action.PACK,
                Action.APPROVE,
                Action.DISPATCH,
                Action.MARK_DELIVERED,
            ],
        }[state]
        for action in path:
            async with rt.db.unit_of_work() as uow:
                if action is Action.DISPATCH:
                    await transitions.dispatch(
                        SYSTEM, made.id, uow=uow, policy=rt.policy, custody=self.custody
                    )
                elif action is Action.APPROVE and receiver != self.counterpart:
                    continue  # only shipments to the counterpart are held for review
                else:
                    await transitions.act(SYSTEM, made.id, action, uow=uow, policy=rt.policy)
        return made.id, allocation


async def make_scene(runtime: Runtime) -> Scene:
    """Partners, accounts (one per role, each with a token), custodial keys."""
    policy = runtime.policy
    custody = Custody(runtime.settings.key_encryption_key_bytes)
    made: dict[str, uuid.UUID] = {}
    async with runtime.db.unit_of_work() as uow:
        for name, tags in (
            ("owner", []),
            ("other", []),
            ("suspended", []),
            ("counterpart", ["review-destination"]),
        ):
            draft = partners.PartnerDraft(
                [("en", f"The {name} library")], "DE", PartnerKind.UNIVERSITY_LIBRARY, tags
            )
            made[name] = (await partners.create(SYSTEM, draft, uow=uow, policy=policy)).id
        for name in ("owner", "other", "suspended", "counterpart"):
            await keys.create_custodial(SYSTEM, made[name], uow=uow, policy=policy, custody=custody)
        grants = {
            "no membership": None,
            "researcher": (made["owner"], Role.RESEARCHER),
            "librarian of the owner": (made["owner"], Role.LIBRARIAN),
            "librarian of another partner": (made["other"], Role.LIBRARIAN),
            "librarian of a suspended partner": (made["suspended"], Role.LIBRARIAN),
            "coordinator": (made["other"], Role.COORDINATOR),
            "admin": (made["other"], Role.ADMIN),
        }
        accounts: dict[str, Account] = {}
        secrets: dict[str, str] = {}
        for index, (role, grant) in enumerate(grants.items()):
            account = await identity_service.create_account(
                SYSTEM,
                identity_service.AccountDraft(f"role{index}@example.org", role, PASSWORD),
                uow=uow,
                policy=policy,
            )
            if grant is not None:
                await identity_service.add_membership(
                    SYSTEM, account.id, grant[0], grant[1], uow=uow, policy=policy
                )
            accounts[role] = account
            _row, secrets[role] = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
    return Scene(
        runtime,
        made["owner"],
        made["other"],
        made["suspended"],
        made["counterpart"],
        accounts,
        secrets,
    )


async def fingerprint(runtime: Runtime) -> tuple[tuple[object, ...], ...]:
    """The row count of every table and the audit chain's head, in one statement: every
    write records an audit event, so an unchanged head and unchanged counts mean that a
    denied call wrote nothing."""
    counts = [
        sa.select(sa.literal(table.name), sa.func.count()).select_from(table)
        for table in metadata.sorted_tables
    ]
    events = metadata.tables["audit_event"]
    head = sa.select(sa.literal("audit head"), events.c.seq, events.c.hash).where(
        events.c.seq == sa.select(sa.func.max(events.c.seq)).scalar_subquery()
    )
    statement = sa.union_all(
        *(
            sa.select(query.subquery())
            for query in [
                *(c.add_columns(sa.literal("")) for c in counts),
                head,
            ]
        )
    )
    async with runtime.db.read() as session:
        rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    return tuple(tuple(row) for row in rows)
