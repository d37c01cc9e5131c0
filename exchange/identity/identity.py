"""Who is acting: the first argument of every service function."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


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


ANONYMOUS = Identity()
SYSTEM = Identity(system=True)
