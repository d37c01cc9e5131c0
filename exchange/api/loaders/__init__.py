"""Dataloaders, made per request; each batch reads through a short session of its own."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.api.loaders.account_by_id import AccountByIdLoader
from exchange.api.loaders.memberships_by_partner_id import MembershipsByPartnerIdLoader
from exchange.api.loaders.partner_by_id import PartnerByIdLoader
from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine


@dataclass(frozen=True, slots=True)
class Loaders:
    partner_by_id: PartnerByIdLoader
    memberships_by_partner_id: MembershipsByPartnerIdLoader
    account_by_id: AccountByIdLoader

    @classmethod
    def make(cls, identity: Identity, db: Database, policy: PolicyEngine) -> Loaders:
        return cls(
            partner_by_id=PartnerByIdLoader(identity, db, policy),
            memberships_by_partner_id=MembershipsByPartnerIdLoader(identity, db, policy),
            account_by_id=AccountByIdLoader(identity, db, policy),
        )
