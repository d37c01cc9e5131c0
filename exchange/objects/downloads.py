"""Downloads: the policy decides, the storage presigns a short-lived URL, an event is kept.
Usage reports count those events per partner and per work over a period of days."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock, periods
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import Conflict, NotFound, ValidationFailed
from exchange.identity.identity import Identity
from exchange.messages import N_
from exchange.objects import access
from exchange.objects.errors import ObjectDamaged
from exchange.objects.models import DigitalObject, Download, FixityStatus, ObjectState
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PLATFORM, PolicyEngine
from exchange.storage.base import Storage

DOWNLOAD_TTL = timedelta(minutes=5)
MAX_REPORT_DAYS = 3660
DAMAGED = (FixityStatus.CHANGED.value, FixityStatus.MISSING.value)


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    object: DigitalObject
    url: str
    expires_at: datetime
    download: Download | None  # None when the call continued a download (``counted=False``)


async def download(
    identity: Identity,
    object_id: uuid.UUID,
    *,
    uow: UnitOfWork,
    storage: Storage,
    policy: PolicyEngine,
    ttl: timedelta = DOWNLOAD_TTL,
    counted: bool = True,
) -> DownloadGrant:
    """A URL that serves the object for ``ttl``, when the policy allows this identity to
    download it (open licence, owner, entitling tag; never under embargo); the download
    is recorded for the usage reports and the audit trail. The URL names the sniffed
    media type and the filename (RFC 6266). ``counted=False`` grants the URL without a
    new event, for the continuation of a download already counted: a player's or a
    resumed download's byte range past the start (RFC 9110 §14.2).

    Raises ``NotFound`` (unknown or not visible), ``Conflict`` (not available),
    ``ObjectDamaged`` (the last fixity check failed), ``PermissionDenied``."""
    obj = await uow.session.get(DigitalObject, object_id)
    if obj is None:
        raise NotFound("digital object", object_id)
    now = clock.now()
    recipients = await access.recipients_of(uow.session, obj.id)
    entity = (await access.resources(uow.session, [obj], now.date()))[obj.id]
    if not policy.allowed(identity, "object.read", entity):
        raise NotFound("digital object", object_id)
    if obj.state != ObjectState.AVAILABLE.value:
        raise Conflict(N_("the object is {state}, not available", state=obj.state), obj.id)
    if obj.fixity_status in DAMAGED:
        raise ObjectDamaged(obj.id, obj.fixity_status)
    memberships = await access.partners_of(uow.session, identity)
    tags = sorted({tag for partner in memberships for tag in partner.tags})
    policy.require(identity, "object.download", entity, {"partnerTags": tags})
    url = await storage.presign_download(
        obj.storage_key, expires=ttl, filename=obj.filename, media_type=obj.media_type
    )
    if not counted:
        return DownloadGrant(obj, url, now + ttl, None)
    event = Download(
        object_id=obj.id,
        actor=identity.label,
        account_id=identity.account_id,
        partner_id=access.entitling_partner(identity, obj, memberships, recipients),
        at=now,
    )
    uow.session.add(event)
    await uow.session.flush()
    partner_id = None if event.partner_id is None else str(event.partner_id)
    uow.record(
        AuditRecord(
            identity.label,
            "object.download",
            "digital_object",
            str(obj.id),
            None,
            {"download_id": str(event.id), "partner_id": partner_id},
        )
    )
    return DownloadGrant(obj, url, now + ttl, event)


@dataclass(frozen=True, slots=True)
class UsageRow:
    partner_id: uuid.UUID | None
    work_id: uuid.UUID | None
    downloads: int


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Downloads from ``start`` to ``end`` (whole UTC days, both included)."""

    start: date
    end: date
    rows: list[UsageRow]

    @property
    def total(self) -> int:
        return sum(row.downloads for row in self.rows)

    def by_partner(self) -> dict[uuid.UUID | None, int]:
        return _sum(self.rows, lambda row: row.partner_id)

    def by_work(self) -> dict[uuid.UUID | None, int]:
        return _sum(self.rows, lambda row: row.work_id)


def _sum(
    rows: list[UsageRow], key: Callable[[UsageRow], uuid.UUID | None]
) -> dict[uuid.UUID | None, int]:
    totals: dict[uuid.UUID | None, int] = {}
    for row in rows:
        k = key(row)
        totals[k] = totals.get(k, 0) + row.downloads
    return totals


async def usage_report(
    identity: Identity,
    start: date,
    end: date,
    *,
    partner_id: uuid.UUID | None = None,
    work_id: uuid.UUID | None = None,
    session: AsyncSession,
    policy: PolicyEngine,
) -> UsageReport:
    """Downloads per (partner, work) over the period: coordinators and admins see every
    partner's, a partner's librarians their own (give ``partner_id``)."""
    if end < start:
        raise ValidationFailed.single("to", "before_from", "the period ends before it starts")
    if (end - start).days > MAX_REPORT_DAYS:
        raise ValidationFailed.single(
            "to", "too_long", N_("at most {max_report_days} days", max_report_days=MAX_REPORT_DAYS)
        )
    if partner_id is None:
        policy.require(identity, "report.usage", PLATFORM)
    else:
        partner = await session.get(Partner, partner_id)
        if partner is None:
            raise NotFound("partner", partner_id)
        policy.require(identity, "report.usage", partners.resource(partner))
    since, until = periods.start_of(start), periods.end_of(end)
    count = sa.func.count(col(Download.id))
    statement = (
        select(Download.partner_id, DigitalObject.work_id, count)
        .join(DigitalObject, col(DigitalObject.id) == col(Download.object_id))
        .where(col(Download.at) >= since, col(Download.at) < until)
        .group_by(col(Download.partner_id), col(DigitalObject.work_id))
    )
    if partner_id is not None:
        statement = statement.where(col(Download.partner_id) == partner_id)
    if work_id is not None:
        statement = statement.where(col(DigitalObject.work_id) == work_id)
    rows = [UsageRow(p, w, int(n)) for p, w, n in (await session.exec(statement)).all()]
    rows.sort(key=lambda r: (-r.downloads, str(r.partner_id), str(r.work_id)))
    return UsageReport(start, end, rows)
