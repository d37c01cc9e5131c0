"""Why a reader may or may not download a digital object — the reason, not only a denial.

The policies decide (``object.download`` in ``policies/objects.cedar``); this module asks
them which policy decided and names it in the reader's terms:

==================  ==========================================================  ===========
code                when                                                        carries
==================  ==========================================================  ===========
``entitled``        a permit matched: open licence, owner, recipient, tag        —
``embargoed``       ``objects-embargo-holds`` forbade it                         ``until``
``needs_tag``       no permit matched and the licence requires a partner tag      ``tag``
``not_shared``      no permit matched: a restricted licence, not shipped to you   —
``not_available``   the object is not (yet) available, or failed fixity           —
``suspended``       a rule for suspended partners forbade it                      —
==================  ==========================================================  ===========
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.identity.identity import Identity
from exchange.objects import access
from exchange.objects.downloads import DAMAGED
from exchange.objects.models import DigitalObject, ObjectState
from exchange.policy import PolicyEngine

EMBARGO_POLICY = "objects-embargo-holds"


@dataclass(frozen=True, slots=True)
class Entitlement:
    """Whether the reader may download the object, and if not, why (``code`` above)."""

    object_id: uuid.UUID
    code: str
    tag: str | None = None
    until: date | None = None

    @property
    def entitled(self) -> bool:
        return self.code == "entitled"


async def of(
    identity: Identity,
    objects: Sequence[DigitalObject],
    *,
    session: AsyncSession,
    policy: PolicyEngine,
) -> dict[uuid.UUID, Entitlement]:
    """The entitlement of ``identity`` to each object it can already see (a work page's
    digital copies): one policy decision per object; the partner tags, owners and recipients
    read once for all."""
    today = clock.now().date()
    memberships = await access.partners_of(session, identity)
    tags = sorted({tag for partner in memberships for tag in partner.tags})
    entities = await access.resources(session, objects, today)
    result: dict[uuid.UUID, Entitlement] = {}
    for obj in objects:
        if obj.state != ObjectState.AVAILABLE.value or obj.fixity_status in DAMAGED:
            result[obj.id] = Entitlement(obj.id, "not_available")
            continue
        entity = entities[obj.id]
        decision = policy.explain(identity, "object.download", entity, {"partnerTags": tags})
        result[obj.id] = _reason(obj, decision.allowed, decision.policies)
    return result


def _reason(obj: DigitalObject, allowed: bool, policies: tuple[str, ...]) -> Entitlement:
    if allowed:
        return Entitlement(obj.id, "entitled")
    if EMBARGO_POLICY in policies:
        return Entitlement(obj.id, "embargoed", until=obj.embargo_until)
    if any("suspended" in name for name in policies):
        return Entitlement(obj.id, "suspended")
    if policies:
        return Entitlement(obj.id, "not_available")
    if obj.required_tag:
        return Entitlement(obj.id, "needs_tag", tag=obj.required_tag)
    return Entitlement(obj.id, "not_shared")
