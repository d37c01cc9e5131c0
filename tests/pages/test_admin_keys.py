"""Signing keys in the admin pages: register a public key pasted as a JWK or as PEM, the
refusals next to the field (nothing written), revoke, the JWKS to download; nobody but an
admin (or, as Cedar says, the partner's own librarian) registers or revokes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import col, select

from exchange import clock
from exchange.identity.identity import Role
from exchange.keys.material import public_jwk
from exchange.keys.models import SigningKey
from exchange.runtime import Runtime
from exchange.signing.instance_key import b64url
from tests.conftest import World
from tests.pages.people import member_signed_in, person, sign_in


async def _keys(runtime: Runtime) -> list[tuple[str, str, bool]]:
    """Every key as (kid, partner id, revoked), oldest first."""
    async with runtime.db.read() as session:
        found = await session.exec(select(SigningKey).order_by(col(SigningKey.id)))
        return [(k.kid, str(k.partner_id), k.revoked_at is not None) for k in found.all()]


def _pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def test_an_admin_registers_revokes_and_exports_keys(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(client, runtime, "root@example.org", world.national, Role.ADMIN)
    page = await client.get("/admin/keys")
    assert page.status_code == 200
    assert 'href="/.well-known/jwks.json" download="jwks.json"' in page.text
    assert "No key is registered yet." in page.text

    as_jwk, as_pem = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    jwk = json.dumps(public_jwk(as_jwk.public_key()))
    private = json.dumps(
        {**public_jwk(as_jwk.public_key()), "d": b64url(as_jwk.private_bytes_raw())}
    )
    refusals = [
        (world.national, "", "public_key", "paste a public key"),
        (world.national, "-----BEGIN PUBLIC KEY-----\nAAAA\n", "public_key",
         "not a PEM public key or a JWK"),
        (world.national, private, "public_key", "not a public Ed25519 JWK"),
        (world.national, jwk + "\x00", "public_key", "U+0000 at position"),
        (world.national, "x" * 4001, "public_key", "at most 4000 characters"),
        ("'; DROP TABLE signing_key; --", jwk, "partner", "This is not the id of a partner:"),
        ("", jwk, "partner", "Choose a partner."),
    ]  # fmt: skip
    for partner, pasted, field, reason in refusals:
        refused = await client.post(
            "/admin/keys/new", data={"csrf": csrf, "partner": partner, "public_key": pasted}
        )
        assert refused.status_code == 400, reason
        assert f'id="{field}-error">{reason}' in refused.text, reason
    unknown = await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner": str(uuid.uuid4()), "public_key": jwk}
    )
    assert unknown.status_code == 404
    assert 'id="partner-error">partner ' in unknown.text
    assert await _keys(runtime) == []

    for partner, pasted in ((world.national, jwk), (world.donor, _pem(as_pem))):
        done = await client.post(
            "/admin/keys/new", data={"csrf": csrf, "partner": partner, "public_key": pasted}
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/admin/keys?done=registered"
    kid = public_jwk(as_jwk.public_key())["kid"]
    pem_kid = public_jwk(as_pem.public_key())["kid"]
    assert await _keys(runtime) == [(kid, world.national, False), (pem_kid, world.donor, False)]
    again = await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner": world.donor, "public_key": jwk}
    )
    assert again.status_code == 409
    assert 'id="public_key-error">this public key is already registered' in again.text

    page = await client.get("/admin/keys")
    assert page.text.count('data-state="active"') == 2
    assert (await client.post(f"/admin/keys/{kid}/revoke", data={"csrf": csrf})).status_code == 303
    assert await _keys(runtime) == [(kid, world.national, True), (pem_kid, world.donor, False)]
    again = await client.post(f"/admin/keys/{kid}/revoke", data={"csrf": csrf})
    assert again.status_code == 409
    assert f'id="alert">key {kid} was already revoked at ' in again.text
    assert (await client.post("/admin/keys/nope/revoke", data={"csrf": csrf})).status_code == 404
    published = (await client.get("/.well-known/jwks.json")).json()
    exported = {k["kid"]: k for k in published["keys"]}
    assert "revoked_at" in exported[kid]
    assert exported[pem_kid]["partner_id"] == world.donor


async def test_others_cannot_manage_keys_and_nothing_changes(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await person(runtime, "root@example.org", world.national, Role.ADMIN)
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    csrf = await sign_in(client, "root@example.org")
    key = Ed25519PrivateKey.generate()
    kid = public_jwk(key.public_key())["kid"]
    await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner": world.donor, "public_key": _pem(key)}
    )
    before = await _keys(runtime)
    assert before == [(kid, world.donor, False)]

    csrf = await sign_in(client, "kim@example.org")
    page = await client.get("/admin/keys")
    assert page.status_code == 403
    assert "not allowed to see the signing keys: only admins may" in page.text
    other = json.dumps(public_jwk(Ed25519PrivateKey.generate().public_key()))
    registered = await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner": world.donor, "public_key": other}
    )
    assert registered.status_code == 403
    assert (
        "not allowed to register a signing key: only admins or librarians of the partner may"
        in registered.text
    )
    revoked = await client.post(f"/admin/keys/{kid}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 403
    assert (
        "not allowed to revoke a signing key: only admins or librarians of the partner may"
        in revoked.text
    )
    forged = await client.post(f"/admin/keys/{kid}/revoke", data={"csrf": "x"})
    assert forged.status_code == 403
    assert await _keys(runtime) == before


async def test_a_revocation_is_dated_as_of_when_a_compromise_began(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await member_signed_in(client, runtime, "root@example.org", world.national, Role.ADMIN)
    key = Ed25519PrivateKey.generate()
    kid = public_jwk(key.public_key())["kid"]
    await client.post(
        "/admin/keys/new", data={"csrf": csrf, "partner": world.donor, "public_key": _pem(key)}
    )
    async with runtime.db.unit_of_work() as uow:  # registered two days ago
        row = (await uow.session.exec(select(SigningKey))).one()
        row.created_at = clock.now() - timedelta(days=2)
        uow.session.add(row)
        await uow.commit()

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

    now = clock.now()
    refusals = [
        ("yesterday", "Enter a date and time."),
        (stamp(now + timedelta(hours=1)), "a revocation cannot be in the future"),
        (stamp(now - timedelta(days=3)), "before the key was registered"),
    ]
    for at, reason in refusals:
        refused = await client.post(f"/admin/keys/{kid}/revoke", data={"csrf": csrf, "at": at})
        assert refused.status_code == 400, at
        assert f'id="alert">{reason}' in refused.text, at
    assert await _revoked_at(runtime) == [None]

    a_day_ago = (now - timedelta(days=1)).replace(microsecond=0)
    done = await client.post(
        f"/admin/keys/{kid}/revoke", data={"csrf": csrf, "at": stamp(a_day_ago)[:16]}
    )
    assert done.status_code == 303
    assert await _revoked_at(runtime) == [a_day_ago.replace(second=0)]
    earlier = a_day_ago - timedelta(hours=3)
    moved = await client.post(
        f"/admin/keys/{kid}/revoke", data={"csrf": csrf, "at": stamp(earlier)}
    )
    assert moved.status_code == 303
    assert await _revoked_at(runtime) == [earlier]
    later = await client.post(f"/admin/keys/{kid}/revoke", data={"csrf": csrf, "at": ""})
    assert later.status_code == 409
    assert "can only be moved earlier" in later.text
    assert await _revoked_at(runtime) == [earlier]


async def _revoked_at(runtime: Runtime) -> list[datetime | None]:
    async with runtime.db.read() as session:
        return [k.revoked_at for k in (await session.exec(select(SigningKey))).all()]
