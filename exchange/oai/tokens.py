"""Stateless resumption tokens: the whole harvest request and where it stopped, signed.

A token is ``<base64url(JSON)>.<base64url(HMAC-SHA256)>``: the metadata prefix, the
from/until/set arguments, the (updated_at, id) of the last record sent and how many were
sent. Nothing is kept on the server, so tokens survive restarts and need no clean-up; the
MAC keeps harvesters from forging positions or windows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from exchange.catalogue.harvest import Position
from exchange.oai.errors import bad_resumption_token

if TYPE_CHECKING:  # cryptography is imported where a key is used (issue 15)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MAC_BYTES = 16


def secret_from(instance_key: Ed25519PrivateKey) -> bytes:
    """The tokens' MAC key, derived from the instance key (so it survives restarts)."""
    from cryptography.hazmat.primitives import serialization

    raw = instance_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hmac.new(raw, b"oai-pmh resumption tokens", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class ResumptionToken:
    prefix: str
    from_: str | None
    until: str | None
    set_spec: str | None
    last: Position
    sent: int

    def encode(self, secret: bytes) -> str:
        document = {
            "p": self.prefix,
            "f": self.from_,
            "u": self.until,
            "s": self.set_spec,
            "t": self.last.updated_at.isoformat(),
            "i": self.last.work_id.hex,
            "n": self.sent,
        }
        body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        mac = hmac.new(secret, body, hashlib.sha256).digest()[:MAC_BYTES]
        return f"{_b64(body)}.{_b64(mac)}"

    @classmethod
    def decode(cls, token: str, secret: bytes) -> ResumptionToken:
        try:
            body_text, _, mac_text = token.partition(".")
            body, mac = _unb64(body_text), _unb64(mac_text)
            expected = hmac.new(secret, body, hashlib.sha256).digest()[:MAC_BYTES]
            if not hmac.compare_digest(mac, expected):
                raise bad_resumption_token()
            document = json.loads(body)
            return cls(
                prefix=str(document["p"]),
                from_=document["f"],
                until=document["u"],
                set_spec=document["s"],
                last=Position(datetime.fromisoformat(document["t"]), uuid.UUID(hex=document["i"])),
                sent=int(document["n"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise bad_resumption_token() from None
