"""Shipments in the GraphQL schema: the list, one shipment with its timeline and signed
manifest, and one mutation per action of the state table.

`types` holds the shipment and its parts, `manifest` the verified signed manifest, `queries`
the reads and `mutations` the actions; the schema takes the two roots from here.
"""

from exchange.api.shipments.mutations import ShipmentMutation
from exchange.api.shipments.queries import ShipmentQuery

__all__ = ["ShipmentMutation", "ShipmentQuery"]
