"""Signed statements of the chain's head, kept outside the database.

A checkpoint lets ``audit verify --checkpoint`` notice what the chain alone cannot: a
tail that was cut off, or rewritten together with all its hashes. It is a general JWS
(RFC 7515) with one EdDSA signature by the instance key, under the kid that key is
published with (``instance:<thumbprint>``), so anyone holding the instance's JWKS can check
it offline with any JOSE library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from exchange import clock
from exchange.audit.chain import GENESIS, head
from exchange.audit.models import AuditEvent
from exchange.signing import jws
from exchange.signing.canonical import canonical_json
from exchange.signing.instance_key import instance_kid, key_id

STATEMENT_TYPE = "scholarly-exchange/audit-checkpoint"


async def make(session: AsyncSession, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Sign a statement of the current head (sequence, hash, time)."""
    last = await head(session)
    statement = {
        "type": STATEMENT_TYPE,
        "seq": last.seq if last else 0,
        "hash": last.hash if last else GENESIS,
        "at": clock.iso(clock.now()),
    }
    kid = instance_kid(key.public_key())
    return jws.sign(canonical_json(statement), [jws.Signer(key, kid)])


@dataclass(frozen=True, slots=True)
class CheckpointStatement:
    seq: int
    hash: str
    at: str


def read(document: dict[str, Any], public_key: Ed25519PublicKey) -> CheckpointStatement:
    """Verify the checkpoint's signature with the instance key and return its statement
    (checkpoints made before the key was published name it by its bare thumbprint)."""
    kid = instance_kid(public_key)

    def resolve(signed_kid: str, _header: dict[str, Any]) -> Ed25519PublicKey:
        if signed_kid not in (kid, key_id(public_key)):
            raise jws.SignatureInvalid(
                f"checkpoint was signed by key {signed_kid}, not this instance's {kid}"
            )
        return public_key

    payload, _ = jws.verify(document, resolve)
    try:
        statement = json.loads(payload)
        result = CheckpointStatement(
            int(statement["seq"]), str(statement["hash"]), str(statement["at"])
        )
    except (ValueError, KeyError, TypeError):
        raise jws.SignatureInvalid("checkpoint statement is malformed") from None
    if statement.get("type") != STATEMENT_TYPE:
        raise jws.SignatureInvalid("not an audit checkpoint")
    return result


async def compare(session: AsyncSession, statement: CheckpointStatement) -> str | None:
    """None when the chain still contains the checkpointed head; otherwise why not."""
    if statement.seq == 0:
        return None
    event = (await session.exec(select(AuditEvent).where(AuditEvent.seq == statement.seq))).first()
    if event is None:
        return f"event {statement.seq} named by the checkpoint is gone (tail truncated)"
    if event.hash != statement.hash:
        return f"event {statement.seq} differs from the checkpoint (tail rewritten)"
    return None
