"""Every key at once for the admin pages, and a public key registered from pasted text (a
JWK or PEM), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from exchange.identity import tokens
from exchange.identity.identity import Identity
from exchange.keys import registry
from exchange.keys.material import public_jwk
from exchange.runtime import Runtime
from tests.conftest import World


async def who(runtime: Runtime, world: World, name: str) -> Identity:
    async with runtime.db.read() as session:
        return await tokens.authenticate(session, world.tokens[name])


def pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def test_pasted_keys_are_registered_and_listed_newest_first(
    runtime: Runtime, world: World
) -> None:
    admin = await who(runtime, world, "admin")
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    async with runtime.db.unit_of_work() as uow:
        await registry.register_pasted(
            admin,
            uuid.UUID(world.national),
            "\n  " + json.dumps(public_jwk(first.public_key())) + "\n",
            uow=uow,
            policy=runtime.policy,
        )
        await registry.register_pasted(
            admin, uuid.UUID(world.donor), pem(second), uow=uow, policy=runtime.policy
        )
    async with runtime.db.read() as session:
        found = await registry.overview(admin, session=session, policy=runtime.policy)
    assert [(v.key.kid, str(v.partner.id), v.state) for v in found.keys] == [
        (public_jwk(second.public_key())["kid"], world.donor, "active"),
        (public_jwk(first.public_key())["kid"], world.national, "active"),
    ]
    assert {str(p.id) for p in found.partners} == {world.national, world.donor}
    with pytest.raises(Conflict, match="this public key is already registered"):
        async with runtime.db.unit_of_work() as uow:
            await registry.register_pasted(
                admin, uuid.UUID(world.donor), pem(first), uow=uow, policy=runtime.policy
            )


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "paste a public key"),
        ("   \n", "paste a public key"),
        ('{"kty": "OKP", "crv": "Ed25519"}', "not a public Ed25519 JWK"),
        ('{"kty": "RSA", "n": "x", "e": "AQAB"}', "not a public Ed25519 JWK"),
        ("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----",
         "not a PEM public key or a JWK"),
        ("\x00{}", "U+0000 at position 0"),
        ("k" * 4001, "at most 4000 characters"),
    ],
)  # fmt: skip
def test_what_is_not_a_public_key_is_refused_on_its_field(pasted: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        registry.parse_public(pasted)
    [problem] = refused.value.errors
    assert problem.field == "public_key"
    assert problem.message.startswith(message)


async def test_others_see_no_overview_and_register_nothing(runtime: Runtime, world: World) -> None:
    coordinator = await who(runtime, world, "coordinator")
    librarian = await who(runtime, world, "librarian")
    key = json.dumps(public_jwk(Ed25519PrivateKey.generate().public_key()))
    async with runtime.db.read() as session:
        with pytest.raises(PermissionDenied, match=r"key\.overview: only admins may"):
            await registry.overview(coordinator, session=session, policy=runtime.policy)
    with pytest.raises(PermissionDenied, match=r"key\.register"):
        async with runtime.db.unit_of_work() as uow:
            await registry.register_pasted(
                librarian, uuid.UUID(world.donor), key, uow=uow, policy=runtime.policy
            )
    with pytest.raises(NotFound):
        async with runtime.db.unit_of_work() as uow:
            await registry.register_pasted(
                librarian, uuid.uuid4(), key, uow=uow, policy=runtime.policy
            )
    admin = await who(runtime, world, "admin")
    async with runtime.db.read() as session:
        assert (await registry.overview(admin, session=session, policy=runtime.policy)).keys == []
