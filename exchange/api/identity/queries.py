"""The read of identity: who the caller is, with its account and memberships."""

from __future__ import annotations

import strawberry

from exchange.api.context import Info
from exchange.api.identity.types import Account, Membership, Viewer
from exchange.identity import service
from exchange.identity.models import Account as AccountRow


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="Who you are, as the service sees you.")
    async def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        if ctx.identity.account_id is None:
            return Viewer(anonymous=True, account=None, memberships=[])
        async with ctx.reads.session() as session:
            account = await session.get(AccountRow, ctx.identity.account_id)
            rows = await service.memberships_of(ctx.identity, session=session)
        return Viewer(
            anonymous=False,
            account=None if account is None else Account.from_model(account),
            memberships=[Membership.from_model(m) for m in rows],
        )
