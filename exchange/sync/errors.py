"""Errors of offline sync.

``BundleRefused`` (a ``Conflict``, CLI exit 5): the bundle was not applied at all, and
``reason`` says why — unreadable archive, bag incomplete or altered, signature not from the
registered peer, addressed to another instance. ``BundleWaiting``: the bundle is sound but
starts after a gap (``missing`` names the range per origin); it is kept and applied when the
gap is filled.
"""

from __future__ import annotations

from exchange.errors import Conflict, ExchangeError, NotFound


class BundleRefused(Conflict):
    code = "bundle_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(f"bundle refused: {reason}")
        self.reason = reason


class BundleWaiting(Conflict):
    code = "bundle_waiting"

    def __init__(self, missing: dict[str, tuple[int, int]]) -> None:
        ranges = ", ".join(f"{origin} seq {a}..{b}" for origin, (a, b) in sorted(missing.items()))
        super().__init__(f"bundle waits: missing {ranges}")
        self.missing = missing


class ShipmentNotHere(NotFound):
    """A shipment's bag was brought to an instance that holds nothing of the shipment."""

    code = "shipment_not_here"

    def __init__(self, shipment_id: object) -> None:
        ExchangeError.__init__(
            self,
            f"shipment {shipment_id} is not known at this instance: a bag alone cannot bring"
            " it; import the sending instance's sync bundle first (exchange sync import"
            " BUNDLE), which carries the shipment, its signed manifest and its files",
        )
        self.entity = "shipment"
        self.entity_id = str(shipment_id)
