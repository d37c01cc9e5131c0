"""Commands run on the instance's own machine may act as a person (``--as EMAIL``), so the
policy sees a librarian or a coordinator rather than the system: the same rules as in
the pages, and the person's name in the audit trail."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange.errors import NotFound
from exchange.identity.identity import Grant, Identity, Role
from exchange.identity.models import Account, Membership
from exchange.identity.service import normalize_email


async def as_account(session: AsyncSession, email: str) -> Identity:
    """The identity of the account with ``email`` and all its memberships.

    Raises ``NotFound`` when there is no such account here (accounts stay on their
    instance: they never travel in bundles)."""
    wanted = normalize_email(email)
    account = (await session.exec(select(Account).where(col(Account.email) == wanted))).first()
    if account is None:
        raise NotFound("account", wanted)
    rows = await session.exec(
        select(Membership.partner_id, Membership.role)
        .where(col(Membership.account_id) == account.id)
        .order_by(col(Membership.id))
    )
    grants = tuple(Grant(partner_id, Role(role)) for partner_id, role in rows.all())
    return Identity(account_id=account.id, email=account.email, grants=grants)
