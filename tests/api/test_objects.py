"""Digital objects through GraphQL: upload, download, usage, and a storage server that dies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from exchange import clock
from exchange.app import create_app
from exchange.identity.identity import SYSTEM
from exchange.objects import fixity
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World, gql, operation
from tests.objects.scene import PDF, Scene, build_scene, s3_runtime, sha256
from tests.servers.moto import S3Server, running_moto


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> Scene:
    return await build_scene(runtime, world)


@pytest.fixture
def s3_server() -> Iterator[S3Server]:
    with running_moto() as server:
        yield server


moto_server = s3_server


def start_input(scene: Scene, data: bytes, **changes: Any) -> dict[str, Any]:
    return {
        "filename": "slides.pdf",
        "size": len(data),
        "sha256": sha256(data),
        "mediaType": "application/pdf",
        "licence": "CC-BY-4.0",
        "workId": str(scene.work_id),
        **changes,
    }


async def upload(client: Any, http: Any, scene: Scene, data: bytes, sent: bytes) -> dict[str, Any]:
    token = scene.tokens["librarian"]
    started = (
        await gql(client, operation("StartUpload"), {"input": start_input(scene, data)}, token)
    )["data"]["startUpload"]
    assert started["__typename"] == "StartedUpload", started
    headers = {h["name"]: h["value"] for h in started["headers"]}
    if sent != data:
        headers = {}
    response = await http.put(started["url"], content=sent, headers=headers)
    assert response.status_code in (200, 422), response.text
    done = await gql(
        client, operation("CompleteUpload"), {"input": {"id": started["object"]["id"]}}, token
    )
    result: dict[str, Any] = done["data"]["completeUpload"]
    return result


async def test_upload_download_and_usage_over_graphql(client: Any, scene: Scene) -> None:
    obj = await upload(client, client, scene, PDF, PDF)
    assert (obj["__typename"], obj["state"], obj["mediaType"]) == (
        "DigitalObject",
        "AVAILABLE",
        "application/pdf",
    )

    link = (await gql(client, operation("RequestDownload"), {"id": obj["id"]}))["data"][
        "requestDownload"
    ]
    assert link["__typename"] == "DownloadLink"
    fetched = await client.get(link["url"])
    assert (fetched.status_code, fetched.content) == (200, PDF)

    today = clock.now().date().isoformat()
    report = await gql(
        client,
        operation("UsageReport"),
        {"from": today, "to": today, "workId": str(scene.work_id)},
        scene.tokens["coordinator"],
    )
    assert report["data"]["usageReport"]["total"] == 1
    assert report["data"]["usageReport"]["byWork"] == [
        {"workId": str(scene.work_id), "downloads": 1}
    ]
    seen = await gql(client, operation("DigitalObject"), {"id": obj["id"]})
    assert seen["data"]["digitalObject"]["owner"]["id"] == str(scene.national)
    listed = await gql(
        client, operation("DigitalObjects"), {"filter": {"workId": str(scene.work_id)}}
    )
    assert [e["node"]["id"] for e in listed["data"]["digitalObjects"]["edges"]] == [obj["id"]]


async def test_a_hash_mismatch_comes_back_as_upload_rejected(
    settings: Settings, scene: Scene, s3_server: S3Server
) -> None:
    rt = await s3_runtime(settings, s3_server)
    app = create_app(settings, rt)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
            httpx.AsyncClient(timeout=30) as http,
        ):
            result = await upload(client, http, scene, PDF, PDF[:-1] + b"?")
        assert result["__typename"] == "UploadRejected"
        assert result["reason"] == "sha256 of the stored bytes differs from the declared one"
        assert await rt.storage.stat(f"objects/{result['objectId']}") is None
    finally:
        await rt.close()


async def test_storage_going_down_is_a_typed_error_and_the_service_keeps_working(
    settings: Settings, runtime: Runtime, scene: Scene, moto_server: S3Server
) -> None:
    rt = await s3_runtime(settings, moto_server)
    app = create_app(settings, rt)
    transport = httpx.ASGITransport(app=app)
    token = scene.tokens["librarian"]
    try:
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
            httpx.AsyncClient(timeout=30) as http,
        ):
            started = (
                await gql(
                    client, operation("StartUpload"), {"input": start_input(scene, PDF)}, token
                )
            )["data"]["startUpload"]
            headers = {h["name"]: h["value"] for h in started["headers"]}
            assert (await http.put(started["url"], content=PDF, headers=headers)).status_code == 200
            moto_server.stop()

            done = await gql(
                client,
                operation("CompleteUpload"),
                {"input": {"id": started["object"]["id"]}},
                token,
            )
            again = await gql(
                client, operation("StartUpload"), {"input": start_input(scene, PDF)}, token
            )
            partners = await gql(
                client, operation("Partners"), {"first": 10}, scene.tokens["admin"]
            )
            seen = await gql(
                client, operation("DigitalObject"), {"id": started["object"]["id"]}, token
            )
    finally:
        await rt.close()
    assert done["data"]["completeUpload"]["__typename"] == "StorageFailure"
    assert done["data"]["completeUpload"]["code"] == "storage_unavailable"
    assert again["data"]["startUpload"]["__typename"] in {"StartedUpload", "StorageFailure"}
    assert seen["data"]["digitalObject"]["state"] == "PENDING"
    assert len(partners["data"]["partners"]["edges"]) == 3


@pytest.mark.parametrize(
    ("size", "multipart", "expected"),
    [
        (6 * 1024 * 1024, True, ("StartedUpload", None, [1])),
        (70 * 1024 * 1024, False, ("StartedUpload", "PUT", [])),
        (70 * 1024 * 1024, None, ("StartedUpload", None, [1, 2])),
        (5 * 1024**3 + 1, False, ("ValidationError", None, None)),
    ],
)
async def test_start_upload_honours_the_multipart_flag(
    client: Any, scene: Scene, size: int, multipart: bool | None, expected: tuple[Any, ...]
) -> None:
    given = start_input(scene, PDF, size=size, multipart=multipart)
    started = (
        await gql(client, operation("StartUpload"), {"input": given}, scene.tokens["librarian"])
    )["data"]["startUpload"]

    parts = [p["number"] for p in started["parts"]] if "parts" in started else None
    assert (started["__typename"], started.get("method"), parts) == expected
    if started["__typename"] == "ValidationError":
        assert started["fields"] == [
            {
                "field": "multipart",
                "code": "too_large",
                "message": f"one upload URL takes at most {5 * 1024**3} bytes; upload in parts",
            }
        ]
        listed = await gql(client, operation("DigitalObjects"), {}, scene.tokens["librarian"])
        assert listed["data"]["digitalObjects"]["edges"] == []


async def test_request_download_refuses_an_object_that_failed_fixity(
    client: Any, runtime: Runtime, scene: Scene
) -> None:
    obj = await upload(client, client, scene, PDF, PDF)
    stored = runtime.settings.effective_storage_dir / "objects" / obj["id"]
    stored.write_bytes(PDF.replace(b"0", b"1", 1))
    report = await fixity.check(
        SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert report.changed == [uuid.UUID(obj["id"])]

    refused = (await gql(client, operation("RequestDownload"), {"id": obj["id"]}))["data"][
        "requestDownload"
    ]

    assert refused == {
        "__typename": "Conflict",
        "message": "the object failed its fixity check (changed) and is not served until it"
        " is repaired and re-verified",
        "existingId": obj["id"],
    }
    stored.write_bytes(PDF)
    await fixity.check(SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy)
    served = (await gql(client, operation("RequestDownload"), {"id": obj["id"]}))["data"][
        "requestDownload"
    ]
    assert served["__typename"] == "DownloadLink"
