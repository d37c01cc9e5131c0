"""Dataloaders, made per request; each batch reads through a short session of its own."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.api.loaders.account_by_id import AccountByIdLoader
from exchange.api.loaders.co_authors_by_work_id import CoAuthorsByWorkIdLoader
from exchange.api.loaders.contributors_by_work_id import ContributorsByWorkIdLoader
from exchange.api.loaders.identifiers_by_work_id import IdentifiersByWorkIdLoader
from exchange.api.loaders.issues_by_work_id import IssuesByWorkIdLoader
from exchange.api.loaders.materials_by_seminar_id import MaterialsBySeminarIdLoader
from exchange.api.loaders.memberships_by_partner_id import MembershipsByPartnerIdLoader
from exchange.api.loaders.offer_lines_by_offer_id import OfferLinesByOfferIdLoader
from exchange.api.loaders.partner_by_id import PartnerByIdLoader
from exchange.api.loaders.request_lines_by_request_id import RequestLinesByRequestIdLoader
from exchange.api.loaders.seminars_by_work_id import SeminarsByWorkIdLoader
from exchange.api.loaders.work_by_id import WorkByIdLoader
from exchange.db.engine import Database
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine


@dataclass(frozen=True, slots=True)
class Loaders:
    partner_by_id: PartnerByIdLoader
    memberships_by_partner_id: MembershipsByPartnerIdLoader
    account_by_id: AccountByIdLoader
    contributors_by_work_id: ContributorsByWorkIdLoader
    identifiers_by_work_id: IdentifiersByWorkIdLoader
    issues_by_work_id: IssuesByWorkIdLoader
    co_authors_by_work_id: CoAuthorsByWorkIdLoader
    seminars_by_work_id: SeminarsByWorkIdLoader
    materials_by_seminar_id: MaterialsBySeminarIdLoader
    work_by_id: WorkByIdLoader
    offer_lines_by_offer_id: OfferLinesByOfferIdLoader
    request_lines_by_request_id: RequestLinesByRequestIdLoader

    @classmethod
    def make(cls, identity: Identity, db: Database, policy: PolicyEngine) -> Loaders:
        return cls(
            partner_by_id=PartnerByIdLoader(identity, db, policy),
            memberships_by_partner_id=MembershipsByPartnerIdLoader(identity, db, policy),
            account_by_id=AccountByIdLoader(identity, db, policy),
            contributors_by_work_id=ContributorsByWorkIdLoader(identity, db, policy),
            identifiers_by_work_id=IdentifiersByWorkIdLoader(identity, db, policy),
            issues_by_work_id=IssuesByWorkIdLoader(identity, db, policy),
            co_authors_by_work_id=CoAuthorsByWorkIdLoader(identity, db, policy),
            seminars_by_work_id=SeminarsByWorkIdLoader(identity, db, policy),
            materials_by_seminar_id=MaterialsBySeminarIdLoader(identity, db, policy),
            work_by_id=WorkByIdLoader(identity, db, policy),
            offer_lines_by_offer_id=OfferLinesByOfferIdLoader(identity, db, policy),
            request_lines_by_request_id=RequestLinesByRequestIdLoader(identity, db, policy),
        )
