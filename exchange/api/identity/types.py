"""Accounts, memberships, the caller and issued tokens as GraphQL types, built from the
domain's rows (``from_model``); a membership's account and partner come from the request's
loaders."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.api.context import Info
from exchange.api.partners import Partner
from exchange.api.scalars import to_uuid
from exchange.identity.identity import Role
from exchange.identity.models import Account as AccountRow
from exchange.identity.models import Membership as MembershipRow

RoleEnum = strawberry.enum(Role, name="Role")


@strawberry.type
class Account:
    id: strawberry.ID
    email: str
    display_name: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: AccountRow) -> Account:
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            created_at=row.created_at,
        )


@strawberry.type
class Membership:
    id: strawberry.ID
    role: Role
    account_id: strawberry.ID
    partner_id: strawberry.ID
    created_at: datetime

    @classmethod
    def from_model(cls, row: MembershipRow) -> Membership:
        return cls(
            id=strawberry.ID(str(row.id)),
            role=Role(row.role),
            account_id=strawberry.ID(str(row.account_id)),
            partner_id=strawberry.ID(str(row.partner_id)),
            created_at=row.created_at,
        )

    @strawberry.field
    async def account(self, info: Info) -> Account | None:
        row = await info.context.loaders.account_by_id.load(to_uuid(self.account_id))
        return None if row is None else Account.from_model(row)

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        row = await info.context.loaders.partner_by_id.load(to_uuid(self.partner_id))
        return None if row is None else Partner.from_model(row)


@strawberry.type(description="The caller: anonymous, or an account with its roles.")
class Viewer:
    anonymous: bool
    account: Account | None
    memberships: list[Membership]


@strawberry.type
class IssuedToken:
    token: str = strawberry.field(
        description="The bearer token; shown once, stored only as a hash."
    )
    expires_at: datetime
    id: strawberry.ID = strawberry.field(
        description="The token's id (an admin revokes it with revokeAccountToken)."
    )


@strawberry.type
class TokenRevoked:
    revoked_at: datetime
