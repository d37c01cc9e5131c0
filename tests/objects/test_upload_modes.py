"""What a client asks of an upload is what it gets (issue 13): ``multipart`` chooses part
URLs or one URL, one URL is refused above S3's 5 GiB, the stored object carries the
sniffed media type, and a server that cannot list or abort (s3rver) still has its
abandoned parts collected."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from exchange import clock
from exchange.errors import FieldError, ValidationFailed
from exchange.identity.identity import SYSTEM
from exchange.objects import collection, downloads, uploads
from exchange.objects.models import DigitalObject, UploadSession
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.storage.base import MAX_SINGLE_PUT, Part
from tests.objects.scene import PDF, Scene, draft, s3_runtime
from tests.servers.moto import S3Server
from tests.servers.s3rver import open_upload_ids, running_s3rver

MiB = 1024 * 1024


async def start(rt: Runtime, scene: Scene, upload: uploads.UploadDraft, **kw: object) -> object:
    async with rt.db.unit_of_work() as uow:
        return await uploads.start_upload(
            scene.people["librarian"],
            upload,
            uow=uow,
            storage=rt.storage,
            policy=rt.policy,
            **kw,  # type: ignore[arg-type]
        )


def sized(scene: Scene, size: int) -> uploads.UploadDraft:
    return draft(PDF, scene.work_id, size=size, sha256="0" * 64)


async def test_multipart_true_gives_part_urls_even_for_six_mib(
    runtime: Runtime, scene: Scene
) -> None:
    started = await start(runtime, scene, sized(scene, 6 * MiB), multipart=True)

    assert isinstance(started, uploads.StartedUpload)
    assert (started.ticket, started.part_size) == (None, 64 * MiB)
    assert [p.number for p in started.parts] == [1]
    async with runtime.db.read() as session:
        session_row = await session.get(UploadSession, started.object.id)
    assert session_row is not None
    assert (session_row.part_count, session_row.multipart_upload_id is not None) == (1, True)


async def test_multipart_false_gives_one_url_for_seventy_mib(
    runtime: Runtime, scene: Scene
) -> None:
    started = await start(runtime, scene, sized(scene, 70 * MiB), multipart=False)

    assert isinstance(started, uploads.StartedUpload)
    assert started.ticket is not None
    assert (started.parts, started.part_size) == ([], None)
    assert started.ticket.headers["Content-Length"] == str(70 * MiB)


async def test_defaults_split_above_sixty_four_mib(runtime: Runtime, scene: Scene) -> None:
    small = await start(runtime, scene, sized(scene, 64 * MiB))
    large = await start(runtime, scene, sized(scene, 64 * MiB + 1))

    assert isinstance(small, uploads.StartedUpload)
    assert isinstance(large, uploads.StartedUpload)
    assert (small.ticket is not None, len(small.parts)) == (True, 0)
    assert (large.ticket is None, len(large.parts)) == (True, 2)


async def test_one_url_above_five_gib_is_refused_and_nothing_is_written(
    runtime: Runtime, scene: Scene
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await start(runtime, scene, sized(scene, MAX_SINGLE_PUT + 1), multipart=False)

    assert raised.value.errors == [
        FieldError(
            "multipart",
            "too_large",
            f"one upload URL takes at most {MAX_SINGLE_PUT} bytes; upload in parts",
        )
    ]
    async with runtime.db.read() as session:
        assert (await session.exec(select(DigitalObject))).all() == []
    assert [k async for k in runtime.storage.list_keys("objects/")] == []
    at_limit = await start(runtime, scene, sized(scene, MAX_SINGLE_PUT), multipart=False)
    assert isinstance(at_limit, uploads.StartedUpload)
    assert at_limit.ticket is not None


@pytest.fixture(params=["moto", "s3rver"])
async def s3_rt(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Runtime]:
    server: S3Server = request.getfixturevalue(f"{request.param.replace('moto', 's3')}_server")
    rt = await s3_runtime(settings, server)
    yield rt
    await rt.close()


async def test_object_lands_with_the_sniffed_media_type_not_the_declared_one(
    s3_rt: Runtime, scene: Scene
) -> None:
    librarian = scene.people["librarian"]
    started = await start(s3_rt, scene, draft(PDF, scene.work_id, media_type="text/plain"))
    assert isinstance(started, uploads.StartedUpload)
    assert started.ticket is not None
    assert started.ticket.headers["Content-Type"] == "text/plain"  # signed: it must be sent
    async with httpx.AsyncClient() as http:
        sent = await http.put(started.ticket.url, content=PDF, headers=started.ticket.headers)
        assert sent.status_code == 200, sent.text
        info = await s3_rt.storage.stat(started.object.storage_key)
        assert info is not None
        assert info.media_type == "text/plain"

        completion = await uploads.complete_upload(
            librarian, started.object.id, db=s3_rt.db, storage=s3_rt.storage, policy=s3_rt.policy
        )
        assert completion.rejected is None
        info = await s3_rt.storage.stat(started.object.storage_key)
        assert info is not None
        assert info.media_type == "application/pdf"
        async with s3_rt.db.unit_of_work() as uow:
            grant = await downloads.download(
                librarian, started.object.id, uow=uow, storage=s3_rt.storage, policy=s3_rt.policy
            )
        served = await http.get(grant.url)

    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == (
        "attachment; filename=\"hydrology.pdf\"; filename*=UTF-8''hydrology.pdf"
    )
    assert served.content == PDF


async def test_gc_on_s3rver_aborts_abandoned_uploads_by_id_and_reports_what_it_skipped(
    settings: Settings, scene: Scene
) -> None:
    with running_s3rver() as s3rver_server:  # its own: gc sweeps the whole bucket
        await _collect_on(settings, scene, s3rver_server)


async def _collect_on(settings: Settings, scene: Scene, s3rver_server: S3Server) -> None:
    rt = await s3_runtime(settings, s3rver_server)
    try:
        started = await start(rt, scene, draft(PDF, scene.work_id), multipart=True)
        assert isinstance(started, uploads.StartedUpload)
        async with httpx.AsyncClient() as http:
            sent = await http.put(started.parts[0].url, content=PDF)
        assert sent.status_code == 200
        key = started.object.storage_key
        assert len(open_upload_ids(s3rver_server, key)) == 1
        async with rt.db.unit_of_work() as uow:
            row = await uow.session.get(DigitalObject, started.object.id)
            assert row is not None
            row.created_at = clock.now() - timedelta(days=2)
            uow.session.add(row)
        orphan = f"objects/{uuid.uuid4()}"
        await rt.storage.put(orphan, _once(b"x"), expected_size=1, expected_sha256=_X)

        report = await collection.collect(SYSTEM, db=rt.db, storage=rt.storage, policy=rt.policy)

        assert report.abandoned_objects == [started.object.id]
        assert len(report.aborted_uploads) == 1
        assert report.deleted_keys == [orphan]
        assert report.skipped == ["multipart uploads"]
        assert open_upload_ids(s3rver_server, key) == []
        assert [k async for k in rt.storage.list_keys("objects/")] == []
    finally:
        await rt.close()


async def test_multipart_completion_on_s3rver_uses_the_etags_the_client_reports(
    settings: Settings, scene: Scene, s3rver_server: S3Server
) -> None:
    rt = await s3_runtime(settings, s3rver_server)
    try:
        started = await start(rt, scene, draft(PDF, scene.work_id), multipart=True)
        assert isinstance(started, uploads.StartedUpload)
        async with httpx.AsyncClient() as http:
            sent = await http.put(started.parts[0].url, content=PDF)

        completion = await uploads.complete_upload(
            scene.people["librarian"],
            started.object.id,
            [Part(1, sent.headers["etag"])],
            db=rt.db,
            storage=rt.storage,
            policy=rt.policy,
        )

        assert completion.rejected is None
        assert completion.object.state == "available"
        assert open_upload_ids(s3rver_server, started.object.storage_key) == []
    finally:
        await rt.close()


_X = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_completion_retried_after_the_parts_were_joined_finds_the_bytes_on_s3rver(
    settings: Settings, scene: Scene, s3rver_server: S3Server
) -> None:
    rt = await s3_runtime(settings, s3rver_server)
    try:
        started = await start(rt, scene, draft(PDF, scene.work_id), multipart=True)
        assert isinstance(started, uploads.StartedUpload)
        async with httpx.AsyncClient() as http:
            sent = await http.put(started.parts[0].url, content=PDF)
        parts = [Part(1, sent.headers["etag"])]
        async with rt.db.read() as session:
            upload = await session.get(UploadSession, started.object.id)
        assert upload is not None
        assert upload.multipart_upload_id is not None
        # an earlier attempt joined the parts, then failed to record it
        await rt.storage.complete_multipart(
            started.object.storage_key, upload.multipart_upload_id, parts
        )

        completion = await uploads.complete_upload(
            scene.people["librarian"],
            started.object.id,
            parts,
            db=rt.db,
            storage=rt.storage,
            policy=rt.policy,
        )

        # s3rver answers the second completion with a 500; the joined bytes decide
        assert completion.rejected is None
        assert completion.object.state == "available"
    finally:
        await rt.close()
