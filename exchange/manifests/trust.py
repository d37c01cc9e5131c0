"""Whether the keys that verified a manifest are ones the user trusts.

A signature proves only that the holder of the key signed. A JWKS that travels with the
document (a bag's ``jwks.json``) proves nothing about whose key that is: whoever re-signs a
bag can put his own key there. So ``manifest verify`` separates the keys the user *pinned*
(a JWKS file they hold, ``--pinned-jwks``, or a key's RFC 7638 thumbprint, ``--pin``) from
keys that merely came along (``--jwks``), and says which verified each signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.keys.jwks import KeyRing
from exchange.manifests.verify import Signed, VerifiedManifest


@dataclass(frozen=True, slots=True)
class KeyTrust:
    """How one signing key of a verified manifest is trusted; ``why`` is for people."""

    role: str  # "sender" or "receiver"
    kid: str
    trusted: bool
    why: str


def combined(pinned: KeyRing, other: KeyRing) -> KeyRing:
    """One ring to verify with: the pinned keys, and the others' keys not pinned (a pinned
    key's members, such as its revocation, win over what another file says of it)."""
    keys = {**other.keys, **pinned.keys}
    refused = {k: v for k, v in {**other.refused, **pinned.refused}.items() if k not in keys}
    return KeyRing(keys, refused)


def assess(
    result: VerifiedManifest,
    *,
    pinned: KeyRing,
    pins: frozenset[str],
    pinned_source: str,
    other_source: str,
) -> list[KeyTrust]:
    """The trust of each signing key of ``result``: the sender's, then the receiver's."""
    signers: list[tuple[str, Signed]] = [("sender", result.sender)]
    if result.receiver is not None:
        signers.append(("receiver", result.receiver))
    found = []
    for role, signed in signers:
        if signed.kid in pinned.keys:
            found.append(KeyTrust(role, signed.kid, True, f"in the pinned JWKS {pinned_source}"))
        elif signed.kid in pins:
            found.append(KeyTrust(role, signed.kid, True, "pinned by its thumbprint (--pin)"))
        else:
            found.append(
                KeyTrust(
                    role,
                    signed.kid,
                    False,
                    f"it came only with {other_source}, which whoever signs or re-signs "
                    "the document can edit",
                )
            )
    return found
