"""Who may upload a digital object to a work, asked the way ``uploads.start_upload`` asks
(Cedar's ``object.upload`` on the object, owned by the partner that will hold it): pages
offer the upload form and its link only to those the policy would let through."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.identity.identity import Identity
from exchange.objects import access
from exchange.objects.models import DigitalObject, ObjectState
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine


def _candidate(owner: Partner, work_id: uuid.UUID) -> DigitalObject:
    """A pending object of ``owner`` attached to the work: what the policy is asked about
    (its rule depends on the owner, not on the file)."""
    return DigitalObject(
        filename="",
        size=0,
        sha256="",
        declared_media_type="",
        licence="",
        licence_open=False,
        work_id=work_id,
        owner_partner_id=owner.id,
        state=ObjectState.PENDING.value,
        storage_key="",
        created_by="",
        created_at=clock.now(),
    )


async def owners_for_work(
    identity: Identity, work_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> list[Partner]:
    """The partners the identity belongs to that may hold an object it uploads to the work
    ``work_id`` (ordered by id); empty when it may upload for none (a researcher, a
    suspended partner's librarian, a visitor)."""
    found = await partners.get_many(
        identity, identity.partner_ids(), session=session, policy=policy
    )
    listed = [found[p] for p in sorted(found)]
    today = clock.now().date()
    asked = [access.resource(_candidate(p, work_id), p, today) for p in listed]
    decisions = policy.allowed_many(identity, "object.upload", asked)
    return [p for p, ok in zip(listed, decisions, strict=True) if ok]
