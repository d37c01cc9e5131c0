"""``exchange objects``, ``exchange fixity`` and ``exchange report`` as an operator uses them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from exchange import clock
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import invoke
from tests.conftest import World
from tests.objects.scene import PDF, Scene, build_scene, sha256
from tests.servers.s3rver import running_s3rver


@pytest.fixture
async def scene(runtime: Runtime, world: World) -> Scene:
    return await build_scene(runtime, world)


async def test_put_get_fixity_report_and_gc(
    settings: Settings, runtime: Runtime, scene: Scene, tmp_path: Path
) -> None:
    source = tmp_path / "slides.pdf"
    source.write_bytes(PDF)
    put = await invoke(
        settings,
        "objects", "put", str(source),
        "--work", str(scene.work_id),
        "--partner", str(scene.national),
        "--licence", "CC-BY-4.0",
    )  # fmt: skip
    assert put.exit_code == 0, put.output
    object_id, size, digest, media_type = put.output.strip().splitlines()[-1].split("\t")
    assert (int(size), digest, media_type) == (len(PDF), sha256(PDF), "application/pdf")

    target = tmp_path / "copy.pdf"
    got = await invoke(settings, "objects", "get", object_id, str(target))
    assert got.exit_code == 0, got.output
    assert target.read_bytes() == PDF

    checked = await invoke(settings, "fixity", "check")
    assert (checked.exit_code, checked.output.strip()) == (
        0,
        "checked 1: 1 ok, 0 changed, 0 missing",
    )
    (runtime.settings.effective_storage_dir / "objects" / object_id).unlink()
    damaged = await invoke(settings, "fixity", "check", "--sample", "5")
    assert damaged.exit_code == 10
    assert f"missing\t{object_id}" in damaged.output
    refused = await invoke(settings, "objects", "get", object_id, str(tmp_path / "again.pdf"))
    assert refused.exit_code == 5  # a Conflict: not served until a fixity check passes
    assert "failed its fixity check (missing)" in refused.output
    assert not (tmp_path / "again.pdf").exists()

    today = clock.now().date().isoformat()
    report = await invoke(
        settings, "report", "usage", "--from", today, "--to", today, "--format", "csv"
    )
    assert report.exit_code == 0, report.output
    assert report.output.splitlines() == [
        "from,to,partner_id,partner,work_id,downloads",
        f"{today},{today},,,{scene.work_id},1",
    ]

    orphan = runtime.settings.effective_storage_dir / "objects" / "orphan"
    orphan.write_bytes(b"left behind")
    collected = await invoke(settings, "objects", "gc")
    assert collected.exit_code == 0, collected.output
    assert "deleted 1 orphaned objects" in collected.output
    assert not orphan.exists()


async def test_put_with_an_unknown_licence_fails_with_a_message(
    settings: Settings, scene: Scene, tmp_path: Path
) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("notes\n")
    result = await invoke(
        settings,
        "objects", "put", str(source),
        "--work", str(scene.work_id),
        "--partner", str(scene.national),
        "--licence", "Whatever-1.0",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "licence" in result.output


async def test_put_get_and_gc_on_s3rver_which_cannot_list_uploads(
    settings: Settings, scene: Scene, tmp_path: Path
) -> None:
    with running_s3rver() as server:  # its own: gc sweeps the whole bucket
        on_s3 = dataclasses.replace(
            settings,
            storage="s3",
            s3_endpoint=server.endpoint,
            s3_bucket=server.bucket,
            s3_access_key_id=server.access_key_id,
            s3_secret_access_key=server.secret_access_key,
        )
        source = tmp_path / "slides.pdf"
        source.write_bytes(PDF)
        put = await invoke(
            on_s3,
            "objects", "put", str(source),
            "--work", str(scene.work_id),
            "--partner", str(scene.national),
            "--licence", "CC-BY-4.0",
            "--media-type", "text/plain",
        )  # fmt: skip
        assert put.exit_code == 0, put.output
        object_id, _, _, media_type = put.output.strip().splitlines()[-1].split("\t")
        assert media_type == "application/pdf"
        assert server.data_dir is not None
        stored = server.data_dir / server.bucket / "objects" / f"{object_id}._S3rver_metadata.json"
        assert json.loads(stored.read_text())["content-type"] == "application/pdf"

        got = await invoke(on_s3, "objects", "get", object_id, str(tmp_path / "copy.pdf"))
        assert got.exit_code == 0, got.output
        assert (tmp_path / "copy.pdf").read_bytes() == PDF

        collected = await invoke(on_s3, "objects", "gc")

    assert collected.exit_code == 0, collected.output
    assert collected.output.splitlines() == [
        "abandoned 0 uploads, deleted 0 orphaned objects, aborted 0 multipart uploads",
        "skipped multipart uploads: the storage server cannot list them",
    ]
