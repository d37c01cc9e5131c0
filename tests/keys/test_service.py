"""Partner signing keys through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import col, select

from exchange import clock
from exchange.audit import chain
from exchange.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM, Identity
from exchange.keys import jwks
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.keys.models import SigningKey
from exchange.manifests.statement import Manifest
from exchange.manifests.verify import verify
from exchange.runtime import Runtime
from exchange.signing.instance_key import key_id
from tests.conftest import World
from tests.manifests.samples import manifest, receipt

CUSTODY = Custody(base64.b64decode(base64.b64encode(b"k" * 32)))


async def who(runtime: Runtime, world: World, name: str) -> Identity:
    async with runtime.db.read() as session:
        return await tokens.authenticate(session, world.tokens[name])


async def state(runtime: Runtime) -> tuple[list[dict[str, Any]], int]:
    async with runtime.db.read() as session:
        rows = (await session.exec(select(SigningKey).order_by(col(SigningKey.id)))).all()
        last = await chain.head(session)
    return [r.snapshot() for r in rows], last.seq if last else 0


async def register(runtime: Runtime, identity: Identity, partner: str) -> SigningKey:
    async with runtime.db.unit_of_work() as uow:
        return await keys.register(
            identity,
            uuid.UUID(partner),
            Ed25519PrivateKey.generate().public_key(),
            uow=uow,
            policy=runtime.policy,
        )


async def test_a_librarian_registers_and_revokes_a_key_of_their_partner(
    runtime: Runtime, world: World
) -> None:
    librarian = await who(runtime, world, "librarian")
    row = await register(runtime, librarian, world.national)
    async with runtime.db.unit_of_work() as uow:
        revoked = await keys.revoke(librarian, row.kid, uow=uow, policy=runtime.policy)
    assert revoked.revoked_at is not None
    async with runtime.db.read() as session:
        listed = await keys.list(
            librarian, uuid.UUID(world.national), session=session, policy=runtime.policy
        )
        events = [(e.action, e.entity_id) async for e in chain.stream(session)][-2:]
    assert [(k.kid, k.revoked_at) for k in listed] == [(row.kid, revoked.revoked_at)]
    assert events == [("key.register", row.kid), ("key.revoke", row.kid)]


@pytest.mark.parametrize("name", ["donor_librarian", "researcher", "coordinator"])
async def test_others_cannot_register_a_key_and_nothing_changes(
    runtime: Runtime, world: World, name: str
) -> None:
    before = await state(runtime)
    with pytest.raises(PermissionDenied):
        await register(runtime, await who(runtime, world, name), world.national)
    assert await state(runtime) == before


async def test_others_cannot_revoke_a_key_and_nothing_changes(
    runtime: Runtime, world: World
) -> None:
    row = await register(runtime, SYSTEM, world.national)
    before = await state(runtime)
    intruder = await who(runtime, world, "donor_librarian")
    with pytest.raises(PermissionDenied):
        async with runtime.db.unit_of_work() as uow:
            await keys.revoke(intruder, row.kid, uow=uow, policy=runtime.policy)
    assert await state(runtime) == before


async def test_revocation_times_are_checked(runtime: Runtime, world: World) -> None:
    row = await register(runtime, SYSTEM, world.national)
    for at, error in [
        (clock.now() + timedelta(hours=1), ValidationFailed),
        (row.created_at - timedelta(days=1), ValidationFailed),
    ]:
        with pytest.raises(error):
            async with runtime.db.unit_of_work() as uow:
                await keys.revoke(SYSTEM, row.kid, at, uow=uow, policy=runtime.policy)
    async with runtime.db.unit_of_work() as uow:
        await keys.revoke(SYSTEM, row.kid, uow=uow, policy=runtime.policy)
    with pytest.raises(Conflict):
        async with runtime.db.unit_of_work() as uow:
            await keys.revoke(SYSTEM, row.kid, uow=uow, policy=runtime.policy)
    with pytest.raises(NotFound):
        async with runtime.db.unit_of_work() as uow:
            await keys.revoke(SYSTEM, "no-such-kid", uow=uow, policy=runtime.policy)


async def test_a_revocation_moves_earlier_audited_and_never_later(
    runtime: Runtime, world: World
) -> None:
    row = await register(runtime, SYSTEM, world.national)
    first = clock.now()
    async with runtime.db.unit_of_work() as uow:
        await keys.revoke(SYSTEM, row.kid, first, uow=uow, policy=runtime.policy)
    before = await state(runtime)
    for later in (first, first + timedelta(microseconds=1), None):  # equal, later, now
        with pytest.raises(Conflict) as refused:
            async with runtime.db.unit_of_work() as uow:
                await keys.revoke(SYSTEM, row.kid, later, uow=uow, policy=runtime.policy)
        assert refused.value.message == (
            f"key {row.kid} was already revoked at {clock.iso(first)}; a revocation can "
            "only be moved earlier"
        )
        assert await state(runtime) == before
    earlier = row.created_at + timedelta(microseconds=10)
    async with runtime.db.unit_of_work() as uow:
        moved = await keys.revoke(SYSTEM, row.kid, earlier, uow=uow, policy=runtime.policy)
    assert moved.revoked_at == earlier
    async with runtime.db.read() as session:
        event = await chain.head(session)
    assert event is not None
    assert (event.action, event.entity_id) == ("key.revoke", row.kid)
    assert (event.before or {})["revoked_at"] == clock.iso(first)
    assert (event.after or {})["revoked_at"] == clock.iso(earlier)


async def test_a_key_is_registered_once(runtime: Runtime, world: World) -> None:
    public_key = Ed25519PrivateKey.generate().public_key()
    async with runtime.db.unit_of_work() as uow:
        await keys.register(
            SYSTEM, uuid.UUID(world.national), public_key, uow=uow, policy=runtime.policy
        )
    before = await state(runtime)
    with pytest.raises(Conflict):
        async with runtime.db.unit_of_work() as uow:
            await keys.register(
                SYSTEM, uuid.UUID(world.donor), public_key, uow=uow, policy=runtime.policy
            )
    assert await state(runtime) == before


async def test_custodial_keys_are_refused_without_a_key_encryption_key(
    runtime: Runtime, world: World
) -> None:
    before = await state(runtime)
    with pytest.raises(Conflict, match="EXCHANGE_KEY_ENCRYPTION_KEY is not set"):
        async with runtime.db.unit_of_work() as uow:
            await keys.create_custodial(
                SYSTEM,
                uuid.UUID(world.national),
                uow=uow,
                policy=runtime.policy,
                custody=Custody(None),
            )
    assert await state(runtime) == before


def shipment(world: World) -> Manifest:
    sample = manifest()
    return Manifest(
        sample.shipment_id,
        uuid.UUID(world.donor),
        uuid.UUID(world.national),
        sample.created_at,
        sample.items,
    )


async def test_custodial_keys_sign_and_countersign_a_manifest_that_verifies(
    runtime: Runtime, world: World, client: httpx.AsyncClient
) -> None:
    async with runtime.db.unit_of_work() as uow:
        for partner in (world.donor, world.national):
            row = await keys.create_custodial(
                SYSTEM, uuid.UUID(partner), uow=uow, policy=runtime.policy, custody=CUSTODY
            )
            assert row.encrypted_private_key is not None
            assert len(row.encrypted_private_key) == 12 + 32 + 16
    m = shipment(world)
    sender = await who(runtime, world, "donor_librarian")
    receiver = await who(runtime, world, "librarian")

    async with runtime.db.read() as session:
        document = await keys.sign_manifest(
            sender, m, session=session, policy=runtime.policy, custody=CUSTODY
        )
        with pytest.raises(PermissionDenied):
            await keys.sign_manifest(
                receiver, m, session=session, policy=runtime.policy, custody=CUSTODY
            )
        document = await keys.countersign_manifest(
            receiver, document, receipt(m), session=session, policy=runtime.policy, custody=CUSTODY
        )
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    result = verify(document, jwks.parse(response.json()))
    assert (result.sender.partner_id, result.receiver and result.receiver.partner_id) == (
        m.sender,
        m.receiver,
    )


async def test_the_jwks_lists_revoked_keys_with_their_times(
    runtime: Runtime, world: World, client: httpx.AsyncClient
) -> None:
    private = Ed25519PrivateKey.generate()
    async with runtime.db.unit_of_work() as uow:
        await keys.register(
            SYSTEM, uuid.UUID(world.national), private.public_key(), uow=uow, policy=runtime.policy
        )
        row = await keys.revoke(
            SYSTEM, key_id(private.public_key()), uow=uow, policy=runtime.policy
        )
    body = (await client.get("/.well-known/jwks.json")).json()
    (listed,) = [k for k in body["keys"] if k["kid"] == row.kid]
    assert listed["partner_id"] == world.national
    assert listed["revoked_at"] == row.snapshot()["revoked_at"]
    assert set(listed) == {
        "kty",
        "crv",
        "x",
        "kid",
        "use",
        "partner_id",
        "created_at",
        "revoked_at",
    }
