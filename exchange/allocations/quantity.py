"""How much one allocation may promise: one bound, checked by the service (a claim made
here, or one that travels as a proposal) and read by the pages' form parsing, so that both
say the same thing."""

from __future__ import annotations

from exchange.errors import ValidationFailed
from exchange.messages import N_

# as much as an offer line holds (``offers.service.MAX_QUANTITY``)
MAX_QUANTITY = 100_000


def require_valid(quantity: int) -> None:
    """``ValidationFailed`` (``quantity``, ``out_of_range``) unless 1 <= quantity <=
    ``MAX_QUANTITY``."""
    if not 1 <= quantity <= MAX_QUANTITY:
        message = N_("between 1 and {max_quantity}", max_quantity=MAX_QUANTITY)
        raise ValidationFailed.single("quantity", "out_of_range", message)
