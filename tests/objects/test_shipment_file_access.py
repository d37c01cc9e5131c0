"""A file uploaded for a digital shipment that has not left is its sender's: nobody else
finds it — not in the GraphQL listing or single read, not on its download route, not on
its ``/uploads/<id>`` page — even an openly licensed one (the newcomer's trial, item 1)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from exchange.app import create_app
from exchange.identity import tokens
from exchange.identity.identity import Role
from exchange.identity.models import Account
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.people import person, rows, sign_in
from tests.pages.upload_scene import SENDER, UploadScene, upload_scene
from tests.shipments.conftest import KEY_ENCRYPTION_KEY

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 40
UNRELATED = "unrelated@example.org"
LIST = "{ digitalObjects { nodes { id filename } } }"
ONE = "query One($id: ID!) { digitalObject(id: $id) { id shipmentId ownerPartnerId sha256 } }"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, key_encryption_key=KEY_ENCRYPTION_KEY
    )


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> UploadScene:
    made = await upload_scene(runtime, world)
    await person(runtime, UNRELATED, made.unrelated, Role.LIBRARIAN)
    return made


async def _uploaded(client: httpx.AsyncClient, scene: UploadScene, licence: str) -> str:
    """The sender's librarian uploads a file on the shipment's page: the object's id."""
    csrf = await sign_in(client, SENDER)
    posted = await client.post(
        "/uploads/file",
        data={
            "csrf": csrf,
            "shipment": str(scene.shipment),
            "owner": str(scene.sender),
            "licence": licence,
        },
        files={"file": ("manifest copy.pdf", DATA, "application/pdf")},
    )
    assert posted.status_code == 303, posted.text
    location = posted.headers["location"]
    assert location.startswith("/uploads/")
    return location.removeprefix("/uploads/")


async def _downloads(runtime: Runtime) -> list[tuple[object, ...]]:
    return await rows(runtime, "SELECT object_id FROM download")


async def _token(runtime: Runtime, email: str) -> str:
    """A bearer token of the account signed up as ``email``, for GraphQL."""
    async with runtime.db.unit_of_work() as uow:
        statement = select(Account).where(Account.email == email)
        account = (await uow.session.exec(statement)).one()
        _row, secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(hours=1))
    return secret


async def _query(
    client: httpx.AsyncClient, document: str, token: str | None = None, **variables: str
) -> object:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = await client.post(
        "/graphql", json={"query": document, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.parametrize("licence", ["CC-BY-4.0", "LicenseRef-Restricted"])
async def test_a_draft_shipments_file_is_hidden_from_anonymous_and_unrelated_partners(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    scene: UploadScene,
    licence: str,
) -> None:
    object_id = await _uploaded(client, scene, licence)
    # the sender's side finds it, by every road
    listed = await _query(client, LIST, await _token(runtime, SENDER))
    assert listed == {
        "digitalObjects": {"nodes": [{"id": object_id, "filename": "manifest copy.pdf"}]}
    }
    assert (await client.get(f"/uploads/{object_id}")).status_code == 200
    assert (await client.get(f"/objects/{object_id}/download")).status_code == 303

    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as anonymous:
        assert await _query(anonymous, LIST) == {"digitalObjects": {"nodes": []}}
        assert await _query(anonymous, ONE, id=object_id) == {"digitalObject": None}
        refused = await anonymous.get(f"/objects/{object_id}/download")
        assert refused.status_code == 404
        assert "location" not in refused.headers
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await sign_in(other, UNRELATED)
        token = await _token(runtime, UNRELATED)
        assert (await other.get(f"/shipments/{scene.shipment}/upload")).status_code == 404
        assert await _query(other, LIST, token) == {"digitalObjects": {"nodes": []}}
        assert await _query(other, ONE, token, id=object_id) == {"digitalObject": None}
        page = await other.get(f"/uploads/{object_id}")
        assert page.status_code == 404
        assert "manifest copy.pdf" not in page.text
        refused = await other.get(f"/objects/{object_id}/download")
        assert refused.status_code == 404
        assert "location" not in refused.headers
    # only the sender's own download above was counted: the refusals left no trace
    assert [uuid.UUID(str(row[0])) for row in await _downloads(runtime)] == [uuid.UUID(object_id)]
