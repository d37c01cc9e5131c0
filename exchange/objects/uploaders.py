"""Who may upload a digital object, asked the one way ``uploads.start_upload`` asks
(``check``: Cedar's ``object.upload`` on the object, owned by the partner that will hold it,
then what attaching it asks): pages offer the upload form and its link only to those the
policy would let through, and show the others the policy's reason (``refusal``)."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.errors import ExchangeError, PermissionDenied
from exchange.identity.identity import Identity
from exchange.objects import access, attachments
from exchange.objects.attachments import Attachment
from exchange.objects.models import DigitalObject, ObjectState
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.policy import PolicyEngine


async def check(
    identity: Identity,
    obj: DigitalObject,
    owner: Partner,
    attachment: Attachment,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> None:
    """May the identity upload ``obj``, held by ``owner`` and attached to ``attachment``:
    Cedar's ``object.upload`` on it, then what attaching asks (``attachments.check``).

    Raises PermissionDenied (with the policy's reason), NotFound, ValidationFailed or
    Conflict; nothing is written."""
    policy.require(identity, "object.upload", access.resource(obj, owner, clock.now().date()))
    await attachments.check(identity, attachment, owner, session=session, policy=policy)


async def refusal(
    identity: Identity,
    attachment: Attachment,
    owner: Partner,
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> PermissionDenied | None:
    """Why the policy refuses the identity any upload held by ``owner`` and attached to
    ``attachment``, whatever the file: the ``PermissionDenied`` that ``check`` (so
    ``start_upload``) raises, with its reason; ``None`` when the policy lets it through.
    The other refusals of ``check`` (a shipment already dispatched) are not the policy's:
    ``None`` too, the page says those itself."""
    try:
        candidate = _candidate(owner, attachment)
        await check(identity, candidate, owner, attachment, session=session, policy=policy)
    except PermissionDenied as denied:
        return denied
    except ExchangeError:
        return None
    return None


async def work_refusal(
    identity: Identity, work_id: uuid.UUID, *, session: AsyncSession, policy: PolicyEngine
) -> PermissionDenied | None:
    """For an identity that may upload to the work ``work_id`` for none of its partners
    (``owners_for_work`` is empty): the policy's refusal of an upload held by the first of
    them (by id), as ``refusal``; ``None`` when it belongs to no partner."""
    found = await partners.get_many(
        identity, identity.partner_ids(), session=session, policy=policy
    )
    if not found:
        return None
    first, attachment = found[min(found)], Attachment(work_id=work_id)
    return await refusal(identity, attachment, first, session=session, policy=policy)


def _candidate(owner: Partner, attachment: Attachment) -> DigitalObject:
    """A pending object of ``owner`` attached to ``attachment``: what the policy is asked
    about (its rule depends on the owner and what the object is attached to, not on the
    file)."""
    return DigitalObject(
        filename="",
        size=0,
        sha256="",
        declared_media_type="",
        licence="",
        licence_open=False,
        work_id=attachment.work_id,
        seminar_id=attachment.seminar_id,
        shipment_id=attachment.shipment_id,
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
    attachment = Attachment(work_id=work_id)
    asked = [access.resource(_candidate(p, attachment), p, today) for p in listed]
    decisions = policy.allowed_many(identity, "object.upload", asked)
    return [p for p, ok in zip(listed, decisions, strict=True) if ok]
