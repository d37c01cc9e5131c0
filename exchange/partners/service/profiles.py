"""A partner's profile: registered (admins) and changed (admins, and the partner's own
librarians; tags and the public flag only by admins, as the policies read them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from exchange import clock
from exchange.audit.chain import AuditRecord
from exchange.db.uow import UnitOfWork
from exchange.errors import FieldError, ValidationFailed
from exchange.identity.identity import Identity
from exchange.partners import validation
from exchange.partners.models import Partner, PartnerKind, PartnerStatus
from exchange.partners.service.reads import load, resource
from exchange.policy import PLATFORM, PolicyEngine


@dataclass(frozen=True, slots=True)
class PartnerDraft:
    names: list[tuple[str, str]]
    country: str
    kind: PartnerKind
    tags: list[str]
    public: bool = True


@dataclass(frozen=True, slots=True)
class PartnerPatch:
    """Fields left as None keep their value."""

    names: list[tuple[str, str]] | None = None
    country: str | None = None
    kind: PartnerKind | None = None
    tags: list[str] | None = None
    public: bool | None = None


def _validated_draft(
    draft: PartnerDraft,
) -> tuple[list[dict[str, str]], str, list[str]]:
    errors: list[FieldError] = []
    names = validation.names(draft.names, errors)
    country = validation.country(draft.country, errors)
    tags = validation.tags(draft.tags, errors)
    if errors:
        raise ValidationFailed(errors)
    return names, country, tags


async def create(
    identity: Identity, draft: PartnerDraft, *, uow: UnitOfWork, policy: PolicyEngine
) -> Partner:
    """Register a partner institution (admins)."""
    policy.require(identity, "partner.create", PLATFORM)
    names, country, tags = _validated_draft(draft)
    now = clock.now()
    partner = Partner(
        names=names,
        search_text=validation.search_text(names),
        country=country,
        kind=draft.kind.value,
        status=PartnerStatus.ACTIVE.value,
        tags=tags,
        public=draft.public,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(partner)
    await uow.session.flush()
    uow.record(
        AuditRecord(
            identity.label, "partner.create", "partner", str(partner.id), None, partner.snapshot()
        )
    )
    return partner


async def update(
    identity: Identity,
    partner_id: uuid.UUID,
    patch: PartnerPatch,
    *,
    uow: UnitOfWork,
    policy: PolicyEngine,
) -> Partner:
    """Change a partner's profile (admins, and the partner's own librarians).

    Tags and the public flag are read by the policies, so changing either also needs
    "partner.govern" (admins; policies/partners.cedar): PermissionDenied otherwise, and
    nothing is written. Every change is audited with the old and new values."""
    partner = await load(uow.session, partner_id, for_update=True)
    policy.require(identity, "partner.update", resource(partner))
    errors: list[FieldError] = []
    before = partner.snapshot()
    governed = resource(partner)
    if patch.names is not None:
        partner.names = validation.names(patch.names, errors)
        partner.search_text = validation.search_text(partner.names)
    if patch.country is not None:
        partner.country = validation.country(patch.country, errors)
    if patch.tags is not None:
        partner.tags = validation.tags(patch.tags, errors)
    if errors:
        raise ValidationFailed(errors)
    if patch.kind is not None:
        partner.kind = patch.kind.value
    if patch.public is not None:
        partner.public = patch.public
    after = partner.snapshot()
    if (after["tags"], after["public"]) != (before["tags"], before["public"]):
        policy.require(identity, "partner.govern", governed)
    if after == before:
        return partner
    partner.updated_at = clock.now()
    uow.session.add(partner)
    await uow.session.flush()
    uow.record(
        AuditRecord(identity.label, "partner.update", "partner", str(partner.id), before, after)
    )
    return partner
