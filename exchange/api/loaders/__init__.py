"""Dataloaders, made per request; every batch reads through the request's one session
(``exchange.api.reads``), in turn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import NoReturn

from exchange.api.loaders.account_by_id import AccountByIdLoader
from exchange.api.loaders.actor_name_by_account_id import ActorNameByAccountIdLoader
from exchange.api.loaders.available_actions_by_shipment import AvailableActionsByShipmentLoader
from exchange.api.loaders.issues_by_offer_line_id import IssuesByOfferLineIdLoader
from exchange.api.loaders.materials_by_seminar_id import MaterialsBySeminarIdLoader
from exchange.api.loaders.memberships_by_partner_id import MembershipsByPartnerIdLoader
from exchange.api.loaders.offer_lines_by_offer_id import OfferLinesByOfferIdLoader
from exchange.api.loaders.partner_by_id import PartnerByIdLoader
from exchange.api.loaders.relations_by_work_id import RelationsByWorkIdLoader
from exchange.api.loaders.request_lines_by_request_id import RequestLinesByRequestIdLoader
from exchange.api.loaders.resolved import Showing
from exchange.api.loaders.rows_by_id import (
    AllocationByIdLoader,
    OfferByIdLoader,
    OfferLineByIdLoader,
    RequestLineByIdLoader,
)
from exchange.api.loaders.shipment_events_by_shipment_id import ShipmentEventsByShipmentIdLoader
from exchange.api.loaders.shipment_items_by_shipment_id import ShipmentItemsByShipmentIdLoader
from exchange.api.loaders.verified_manifest_by_shipment import VerifiedManifestByShipmentLoader
from exchange.api.loaders.work_by_id import WorkByIdLoader
from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.policy import PolicyEngine


@dataclass(frozen=True, slots=True)
class Loaders:
    partner_by_id: PartnerByIdLoader
    memberships_by_partner_id: MembershipsByPartnerIdLoader
    account_by_id: AccountByIdLoader
    relations_by_work_id: RelationsByWorkIdLoader
    materials_by_seminar_id: MaterialsBySeminarIdLoader
    work_by_id: WorkByIdLoader
    offer_lines_by_offer_id: OfferLinesByOfferIdLoader
    request_lines_by_request_id: RequestLinesByRequestIdLoader
    shipment_items_by_shipment_id: ShipmentItemsByShipmentIdLoader
    shipment_events_by_shipment_id: ShipmentEventsByShipmentIdLoader
    available_actions_by_shipment: AvailableActionsByShipmentLoader
    verified_manifest_by_shipment: VerifiedManifestByShipmentLoader
    offer_by_id: OfferByIdLoader
    offer_line_by_id: OfferLineByIdLoader
    request_line_by_id: RequestLineByIdLoader
    allocation_by_id: AllocationByIdLoader
    issues_by_offer_line_id: IssuesByOfferLineIdLoader
    actor_name_by_account_id: ActorNameByAccountIdLoader

    @classmethod
    def make(cls, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> Loaders:
        return cls(
            partner_by_id=PartnerByIdLoader(identity, reads, policy),
            memberships_by_partner_id=MembershipsByPartnerIdLoader(identity, reads, policy),
            account_by_id=AccountByIdLoader(identity, reads, policy),
            relations_by_work_id=RelationsByWorkIdLoader(identity, reads, policy),
            materials_by_seminar_id=MaterialsBySeminarIdLoader(identity, reads, policy),
            work_by_id=WorkByIdLoader(identity, reads, policy),
            offer_lines_by_offer_id=OfferLinesByOfferIdLoader(identity, reads, policy),
            request_lines_by_request_id=RequestLinesByRequestIdLoader(identity, reads, policy),
            shipment_items_by_shipment_id=ShipmentItemsByShipmentIdLoader(identity, reads, policy),
            shipment_events_by_shipment_id=ShipmentEventsByShipmentIdLoader(
                identity, reads, policy
            ),
            available_actions_by_shipment=AvailableActionsByShipmentLoader(identity, reads, policy),
            verified_manifest_by_shipment=VerifiedManifestByShipmentLoader(identity, reads, policy),
            offer_by_id=OfferByIdLoader(identity, reads, policy),
            offer_line_by_id=OfferLineByIdLoader(identity, reads, policy),
            request_line_by_id=RequestLineByIdLoader(identity, reads, policy),
            allocation_by_id=AllocationByIdLoader(identity, reads, policy),
            issues_by_offer_line_id=IssuesByOfferLineIdLoader(identity, reads, policy),
            actor_name_by_account_id=ActorNameByAccountIdLoader(identity, reads, policy),
        )

    def release(self) -> None:
        """Lets go of what the loaders hold, at the end of their request. The loaders are
        held in reference cycles (each loader's load function is its own bound method;
        graphql-core's execution context, which holds the request's context, refers to
        itself too), so everything they cached (rows, futures, rendered objects: some
        4,000 objects for a page of 50 offers) would otherwise wait for the cyclic garbage
        collector, whose passes over the process's ~200,000 objects took a third of the
        page's CPU time (``bench/graphql_vs_raw.py``). Afterwards a load raises
        ``RuntimeError``."""
        for field in fields(self):
            loader = getattr(self, field.name)
            loader.clear_all()
            loader.batch = None
            loader.load_fn = _released
            if isinstance(loader, Showing):
                loader.forget()


async def _released(keys: Sequence[object]) -> NoReturn:
    raise RuntimeError("the request that made this loader is over")
