"""Loads the demo data once. Demo tokens are minted at that first load, and again only when
asked (``exchange demo --tokens``), which revokes the demo tokens minted before."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from exchange.demo import catalogue, digital, exchange
from exchange.demo import objects as demo_objects
from exchange.demo import shipments as demo_shipments
from exchange.demo import video as demo_video
from exchange.demo.partners import PARTNERS, PEOPLE
from exchange.errors import NotFound
from exchange.identity import service as identity
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.identity.models import Account
from exchange.partners import service as partners
from exchange.runtime import Runtime


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    role: str
    partner: str
    password: str | None
    token: str


async def load(
    runtime: Runtime,
    token_ttl: timedelta = timedelta(days=30),
    *,
    fresh_tokens: bool = False,
    notes: list[str] | None = None,
) -> tuple[bool, list[DemoLogin]]:
    """Create the demo partners and people unless present; return (created?, logins).

    Logins carry tokens when the data was created now, or when ``fresh_tokens`` asks for
    them; then every earlier token labelled ``demo`` of the demo accounts is revoked.
    What the operator should know (no ffmpeg, so no lecture video) is appended to
    ``notes``."""
    passwords: dict[str, str] = {}
    async with runtime.db.read() as session:
        try:
            await identity.account_by_email(session, PEOPLE[0][0])
            created = False
        except NotFound:
            created = True
    if created:
        encoding = await demo_video.start()  # encodes while the rows are written
        async with runtime.db.unit_of_work() as uow:
            ids = {}
            people: dict[str, Identity] = {}
            for key, names, country, kind, tags in PARTNERS:
                draft = partners.PartnerDraft(names, country, kind, tags, public=True)
                ids[key] = (await partners.create(SYSTEM, draft, uow=uow, policy=runtime.policy)).id
            for email, display_name, partner_key, role in PEOPLE:
                passwords[email] = secrets.token_urlsafe(12)
                draft_account = identity.AccountDraft(email, display_name, passwords[email])
                account = await identity.create_account(
                    SYSTEM, draft_account, uow=uow, policy=runtime.policy
                )
                await identity.add_membership(
                    SYSTEM, account.id, ids[partner_key], role, uow=uow, policy=runtime.policy
                )
                acting = Identity(account.id, email, (Grant(ids[partner_key], role),))
                if role is Role.LIBRARIAN:
                    people[partner_key] = acting
                elif role is Role.COORDINATOR:
                    people["coordinator"] = acting
            await catalogue.load(uow, runtime.policy, ids)
            await exchange.load(uow, runtime.policy, ids, people)
        await demo_shipments.load(runtime, ids, people)
        await digital.load(runtime, ids, people)
        lecture = await encoding.finish()
        if lecture.why and notes is not None:
            notes.append(lecture.why)
        await demo_objects.load(runtime, lecture)
    logins: list[DemoLogin] = []
    if not (created or fresh_tokens):
        return created, logins
    async with runtime.db.unit_of_work() as uow:
        for email, _name, partner_key, role in PEOPLE:
            holder: Account = await identity.account_by_email(uow.session, email)
            await tokens.revoke_labelled(SYSTEM, holder, "demo", uow=uow)
            _token, secret = await tokens.issue_token(holder, uow=uow, ttl=token_ttl, label="demo")
            logins.append(DemoLogin(email, role.value, partner_key, passwords.get(email), secret))
    return created, logins
