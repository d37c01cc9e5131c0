"""Cedar entities for the things policies talk about."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exchange.identity.identity import Identity, Role

NAMESPACE = "Exchange"


def uid(entity_type: str, entity_id: str) -> dict[str, str]:
    return {"type": f"{NAMESPACE}::{entity_type}", "id": entity_id}


def ref(entity_type: str, entity_id: str) -> dict[str, dict[str, str]]:
    return {"__entity": uid(entity_type, entity_id)}


@dataclass(frozen=True, slots=True)
class Resource:
    """The resource of a decision, with any other entities the policies will read.

    ``parents`` are the uids of the entities it is ``in`` (Cedar's hierarchy): a thing
    belongs to the partner(s) it is of, and a suspended partner is in ``SUSPENDED``, so
    ``resource in Exchange::Standing::"suspended"`` holds of everything a suspended partner
    is party to (the one rule of policies/suspension.cedar)."""

    entity_type: str
    entity_id: str
    attrs: dict[str, Any] = field(default_factory=dict)
    related: tuple[dict[str, Any], ...] = ()
    parents: tuple[dict[str, str], ...] = ()

    @property
    def uid(self) -> dict[str, str]:
        return uid(self.entity_type, self.entity_id)

    @property
    def ref(self) -> dict[str, dict[str, str]]:
        """This entity as an attribute value of another."""
        return ref(self.entity_type, self.entity_id)

    def entities(self) -> list[dict[str, Any]]:
        return [
            {"uid": self.uid, "attrs": self.attrs, "parents": list(self.parents)},
            *self.related,
        ]


PLATFORM = Resource("Platform", "exchange")
SUSPENDED = uid("Standing", "suspended")


def partner(partner_id: str, status: str, public: bool, tags: list[str]) -> Resource:
    """A partner's entity: its status decides whether it is ``in`` SUSPENDED, so the
    attribute and the hierarchy never disagree."""
    return Resource(
        "Partner",
        partner_id,
        {"status": status, "public": public, "tags": tags},
        parents=(SUSPENDED,) if status == "suspended" else (),
    )


def principal_entity(identity: Identity) -> dict[str, Any]:
    if identity.anonymous:
        return {"uid": uid("Anonymous", "anonymous"), "attrs": {}, "parents": []}
    account_id = "system" if identity.system else str(identity.account_id)

    def partners(role: Role | None) -> list[dict[str, Any]]:
        ids = identity.partner_ids() if role is None else identity.partners_with(role)
        return [ref("Partner", str(p)) for p in sorted(ids)]

    return {
        "uid": uid("Account", account_id),
        "attrs": {
            "admin": identity.has_role(Role.ADMIN),
            "coordinator": identity.has_role(Role.COORDINATOR),
            "librarianOf": partners(Role.LIBRARIAN),
            "researcherOf": partners(Role.RESEARCHER),
            "memberOf": partners(None),
        },
        "parents": [],
    }
