"""Ed25519 public keys of small order, which sign nothing: with such a key ``A`` the
signature ``R = identity, S = 0`` verifies for every message whose ``k·A`` is the
identity (all of them for the identity point, a quarter or an eighth for the others), so
anyone can "sign" as it. OpenSSL (``cryptography``) accepts these keys; RFC 8032 section
5.1.7 does not require a verifier to refuse them, so the exchange refuses to register or
trust one. The list is libsodium's (``ge25519_has_small_order``): the encodings of the
eight points of order 1, 2, 4 and 8, canonical or not, compared without the sign bit."""

from __future__ import annotations

_P_MINUS = bytes.fromhex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
BLOCKED = (
    bytes(32),  # 0 (order 4)
    bytes([1]) + bytes(31),  # 1 (order 1)
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  # 8
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # 8
    bytes([0xEC]) + _P_MINUS,  # p - 1 (order 2)
    bytes([0xED]) + _P_MINUS,  # p, that is 0 (order 4)
    bytes([0xEE]) + _P_MINUS,  # p + 1, that is 1 (order 1)
)


def has_small_order(raw: bytes) -> bool:
    """Whether the 32-byte encoding ``raw`` is one of a small-order point (any length
    other than 32 is not an Ed25519 key at all, and is left to the caller)."""
    if len(raw) != 32:
        return False
    unsigned = raw[:31] + bytes([raw[31] & 0x7F])
    return unsigned in BLOCKED
