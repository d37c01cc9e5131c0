from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Sequence

from strawberry.dataloader import DataLoader

from exchange.api.reads import RequestReads
from exchange.identity.identity import Identity
from exchange.keys import jwks
from exchange.manifests import verify
from exchange.policy import PolicyEngine
from exchange.shipments.models import Shipment


def _version(shipment: Shipment) -> Hashable:
    # a countersignature added by a mutation of the same request is verified again
    digest = hashlib.sha256((shipment.manifest or "").encode("utf-8")).hexdigest()
    return (shipment.id, digest)


class VerifiedManifestByShipmentLoader(DataLoader[Shipment, verify.VerifiedManifest | None]):
    """The signed manifests of shipments the resolver already read, verified against every
    published key: the key ring is read once per batch, not once per shipment. ``None``
    before dispatch; a manifest that does not verify raises its ``SignatureInvalid`` from
    ``load`` (the resolver turns it into the field's error)."""

    def __init__(self, identity: Identity, reads: RequestReads, policy: PolicyEngine) -> None:
        super().__init__(load_fn=self._load, cache_key_fn=_version)
        self.identity, self.reads, self.policy = identity, reads, policy

    async def _load(
        self, rows: Sequence[Shipment]
    ) -> list[verify.VerifiedManifest | BaseException | None]:
        documents = [row.manifest for row in rows]
        if all(d is None for d in documents):
            return [None for _ in rows]
        async with self.reads.session() as session:
            ring = jwks.parse(await jwks.build(self.identity, session=session, policy=self.policy))
        found: list[verify.VerifiedManifest | BaseException | None] = []
        for row in rows:
            if row.manifest is None:
                found.append(None)
                continue
            try:
                found.append(verify.verify(json.loads(row.manifest), ring))
            except verify.SignatureInvalid as error:
                found.append(error)
        return found
