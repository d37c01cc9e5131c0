"""The upload flow over real HTTP, on local disk (ASGI routes) and two S3 servers (moto,
s3rver)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from exchange.catalogue.models import Work
from exchange.identity.identity import Identity
from exchange.objects import uploads
from exchange.objects.models import DigitalObject, ObjectState, UploadSession
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.storage.base import MIN_PART_SIZE, Part
from exchange.storage.errors import ObjectMissing
from tests.objects.scene import PDF, Scene, draft, s3_runtime, sha256
from tests.servers.moto import S3Server
from tests.servers.s3rver import open_upload_ids

Stage = tuple[Runtime, httpx.AsyncClient, S3Server | None]


@pytest.fixture(params=["local", "moto", "s3rver"])
async def stage(
    request: pytest.FixtureRequest, settings: Settings, runtime: Runtime, client: httpx.AsyncClient
) -> AsyncIterator[Stage]:
    """A runtime on each storage, the HTTP client that reaches its URLs, its S3 server."""
    if request.param == "local":
        yield runtime, client, None
        return
    server: S3Server = request.getfixturevalue(f"{request.param.replace('moto', 's3')}_server")
    rt = await s3_runtime(settings, server)
    async with httpx.AsyncClient(timeout=30) as http:
        yield rt, http, server
    await rt.close()


async def open_uploads(rt: Runtime, server: S3Server | None, key: str) -> list[str]:
    """The storage's unfinished uploads to ``key`` (s3rver's read from its directory)."""
    if server is not None and server.data_dir is not None:
        return open_upload_ids(server, key)
    return [u.upload_id for u in await rt.storage.list_multipart_uploads() if u.key == key]


async def start(rt: Runtime, who: Identity, data_draft: uploads.UploadDraft, **kw: Any) -> Any:
    async with rt.db.unit_of_work() as uow:
        return await uploads.start_upload(
            who, data_draft, uow=uow, storage=rt.storage, policy=rt.policy, **kw
        )


async def complete(rt: Runtime, who: Identity, object_id: Any, parts: Any = None) -> Any:
    return await uploads.complete_upload(
        who, object_id, parts, db=rt.db, storage=rt.storage, policy=rt.policy
    )


async def stored_keys(rt: Runtime) -> list[str]:
    return [k async for k in rt.storage.list_keys("objects/")]


async def row(rt: Runtime, object_id: Any) -> DigitalObject:
    async with rt.db.read() as session:
        found = await session.get(DigitalObject, object_id)
    assert found is not None
    return found


async def test_upload_through_a_presigned_url_makes_the_object_available(
    stage: Stage, scene: Scene
) -> None:
    rt, http, _server = stage
    librarian = scene.people["librarian"]
    started = await start(rt, librarian, draft(PDF, scene.work_id, media_type="text/plain"))
    assert started.object.state == "pending"
    ticket = started.ticket
    response = await http.request(ticket.method, ticket.url, content=PDF, headers=ticket.headers)
    assert response.status_code == 200, response.text

    completion = await complete(rt, librarian, started.object.id)

    assert completion.rejected is None
    obj = await row(rt, started.object.id)
    assert (obj.state, obj.size, obj.sha256) == ("available", len(PDF), sha256(PDF))
    assert (obj.media_type, obj.declared_media_type) == ("application/pdf", "text/plain")
    assert (obj.owner_partner_id, obj.fixity_status) == (scene.national, "ok")
    async with rt.db.read() as session:
        work = await session.get(Work, scene.work_id)
        assert work is not None
        assert work.available_digitally is True
        assert await session.get(UploadSession, obj.id) is None


async def test_multipart_upload_through_presigned_part_urls(stage: Stage, scene: Scene) -> None:
    rt, http, server = stage
    data = b"%PDF-1.7\n" + os.urandom(MIN_PART_SIZE + 1000)
    limits = uploads.UploadLimits(multipart_threshold=MIN_PART_SIZE, part_size=MIN_PART_SIZE)
    librarian = scene.people["librarian"]
    started = await start(rt, librarian, draft(data, scene.work_id), limits=limits)
    assert (started.ticket, started.part_size, len(started.parts)) == (None, MIN_PART_SIZE, 2)
    parts = []
    for part in started.parts:
        body = data[(part.number - 1) * MIN_PART_SIZE : part.number * MIN_PART_SIZE]
        response = await http.put(part.url, content=body)
        assert response.status_code == 200, response.text
        parts.append(Part(part.number, response.headers["ETag"]))

    completion = await complete(rt, librarian, started.object.id, parts)

    assert completion.rejected is None
    assert (await row(rt, started.object.id)).state == "available"
    assert await open_uploads(rt, server, started.object.storage_key) == []


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (PDF + b"extra", "size differs: declared"),
        (PDF[:-1] + b"X", "sha256 of the stored bytes differs"),
    ],
)
async def test_bytes_that_differ_from_the_declaration_are_rejected_and_deleted(
    runtime: Runtime, scene: Scene, sent: bytes, reason: str
) -> None:
    librarian = scene.people["librarian"]
    started = await start(runtime, librarian, draft(PDF, scene.work_id))
    # a server that checks nothing (moto does not) stores whatever it is sent
    await runtime.storage.put(
        started.object.storage_key,
        _once(sent),
        expected_size=len(sent),
        expected_sha256=sha256(sent),
    )

    completion = await complete(runtime, librarian, started.object.id)

    assert completion.rejected is not None
    assert completion.rejected.reason.startswith(reason)
    obj = await row(runtime, started.object.id)
    assert (obj.state, obj.media_type, obj.completed_at) == ("rejected", None, None)
    assert await stored_keys(runtime) == []


async def test_mismatched_upload_to_s3_is_rejected_and_deleted(
    settings: Settings, scene: Scene, s3_server: S3Server, http: httpx.AsyncClient
) -> None:
    rt = await s3_runtime(settings, s3_server)
    try:
        librarian = scene.people["librarian"]
        started = await start(rt, librarian, draft(PDF, scene.work_id))
        response = await http.put(started.ticket.url, content=PDF[:-10])
        assert response.status_code == 200  # moto checks neither length nor checksum

        completion = await complete(rt, librarian, started.object.id)

        assert completion.rejected is not None
        assert (await row(rt, started.object.id)).state == "rejected"
        assert await rt.storage.stat(started.object.storage_key) is None
    finally:
        await rt.close()


async def test_local_upload_url_is_refused_after_it_expires(
    runtime: Runtime, scene: Scene, client: httpx.AsyncClient
) -> None:
    librarian = scene.people["librarian"]
    limits = uploads.UploadLimits(url_ttl=timedelta(seconds=1))
    started = await start(runtime, librarian, draft(PDF, scene.work_id), limits=limits)
    await asyncio.sleep(1.1)

    response = await client.put(started.ticket.url, content=PDF, headers=started.ticket.headers)

    assert response.status_code == 403
    assert response.json()["error"] == "url_expired"
    with pytest.raises(ObjectMissing):
        await complete(runtime, librarian, started.object.id)
    assert (await row(runtime, started.object.id)).state == "pending"
    assert await stored_keys(runtime) == []


async def test_abort_discards_uploaded_parts(stage: Stage, scene: Scene) -> None:
    rt, http, server = stage
    librarian = scene.people["librarian"]
    started = await start(rt, librarian, draft(PDF, scene.work_id), multipart=True)
    response = await http.put(started.parts[0].url, content=PDF)
    assert response.status_code == 200

    async with rt.db.unit_of_work() as uow:
        aborted = await uploads.abort_upload(
            librarian, started.object.id, uow=uow, storage=rt.storage, policy=rt.policy
        )

    assert (aborted.state, aborted.rejection_reason) == ("rejected", "aborted by the uploader")
    assert await open_uploads(rt, server, started.object.storage_key) == []
    assert await rt.storage.stat(started.object.storage_key) is None


async def test_only_the_owners_librarians_start_uploads(runtime: Runtime, scene: Scene) -> None:
    from exchange.errors import PermissionDenied

    for who in ("researcher", "donor_librarian", "outside_researcher"):
        with pytest.raises(PermissionDenied):
            await start(
                runtime,
                scene.people[who],
                draft(PDF, scene.work_id, owner_partner_id=scene.national),
            )
    async with runtime.db.read() as session:
        from sqlmodel import select

        assert (await session.exec(select(DigitalObject))).all() == []


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


_ = ObjectState
