"""Who is acting: the first argument of every service function."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from exchange.errors import ValidationFailed


class Role(StrEnum):
    LIBRARIAN = "librarian"
    COORDINATOR = "coordinator"
    RESEARCHER = "researcher"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Grant:
    partner_id: uuid.UUID
    role: Role


@dataclass(frozen=True, slots=True)
class Identity:
    """An account with its memberships, anonymous, or the system itself (CLI, demo)."""

    account_id: uuid.UUID | None = None
    email: str | None = None
    grants: tuple[Grant, ...] = field(default=())
    system: bool = False

    @property
    def anonymous(self) -> bool:
        return self.account_id is None and not self.system

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        if self.system:
            return "system"
        if self.account_id is None:
            return "anonymous"
        return f"account:{self.account_id}"

    def has_role(self, role: Role) -> bool:
        return self.system or any(g.role is role for g in self.grants)

    def partners_with(self, role: Role) -> frozenset[uuid.UUID]:
        return frozenset(g.partner_id for g in self.grants if g.role is role)

    def partner_ids(self) -> frozenset[uuid.UUID]:
        return frozenset(g.partner_id for g in self.grants)

    def own_library(self, requested: uuid.UUID | None, field: str = "partnerId") -> uuid.UUID:
        """The partner a librarian acts for: ``requested`` when given, else the one partner
        where this identity is a librarian. The same default for works, seminars, uploads,
        offers and requests. ``ValidationFailed`` (``field``, ``required``) when it is not
        given and the identity is a librarian at no partner or at several."""
        if requested is not None:
            return requested
        own = self.partners_with(Role.LIBRARIAN)
        if len(own) != 1:
            raise ValidationFailed.single(
                field, "required", "name the partner: you are a librarian at none or at several"
            )
        return next(iter(own))


ANONYMOUS = Identity()
SYSTEM = Identity(system=True)
