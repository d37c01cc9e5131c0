"""Receiving bytes through the instance (the pages' form without JavaScript): counted and
hashed as they arrive, stored, verified; refused before the first byte is read when the
uploader may not upload, and past the size limit with nothing left behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from exchange.errors import PermissionDenied, ValidationFailed
from exchange.objects import receiving
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.objects.scene import PDF, Scene, draft, s3_runtime, sha256
from tests.servers.moto import S3Server


class Source:
    """Chunks of ``data``, remembering how many bytes were read."""

    def __init__(self, data: bytes, chunk: int = 1000) -> None:
        self.data = data
        self.chunk = chunk
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.chunk):
            piece = self.data[start : start + self.chunk]
            self.read += len(piece)
            yield piece


@pytest.fixture(params=["local", "moto"])
async def rt(
    request: pytest.FixtureRequest, settings: Settings, runtime: Runtime
) -> AsyncIterator[Runtime]:
    if request.param == "local":
        yield runtime
        return
    server: S3Server = request.getfixturevalue("s3_server")
    other = await s3_runtime(settings, server)
    yield other
    await other.storage.aclose()


async def test_bytes_are_counted_hashed_stored_and_verified(
    rt: Runtime, scene: Scene, tmp_path: Path
) -> None:
    librarian = scene.people["librarian"]
    unknown = draft(b"", scene.work_id, size=0, sha256="")
    completion = await receiving.receive(
        librarian,
        unknown,
        Source(PDF),
        db=rt.db,
        storage=rt.storage,
        policy=rt.policy,
        spool_dir=tmp_path / "spool",
        max_size=1 << 20,
    )
    obj = completion.object
    assert completion.rejected is None
    assert (obj.size, obj.sha256, obj.state, obj.media_type) == (
        len(PDF),
        sha256(PDF),
        "available",
        "application/pdf",
    )
    stored = await rt.storage.digest(obj.storage_key)
    assert (stored.size, stored.sha256) == (len(PDF), sha256(PDF))
    assert list((tmp_path / "spool").iterdir()) == []


async def test_who_may_not_upload_is_refused_before_a_byte_is_read(
    runtime: Runtime, scene: Scene, tmp_path: Path
) -> None:
    source = Source(PDF)
    with pytest.raises(PermissionDenied) as refused:
        await receiving.receive(
            scene.people["researcher"],
            draft(b"", scene.work_id, size=0, sha256="", owner_partner_id=scene.national),
            source,
            db=runtime.db,
            storage=runtime.storage,
            policy=runtime.policy,
            spool_dir=tmp_path / "spool",
            max_size=1 << 20,
        )
    assert refused.value.action == "object.upload"
    assert source.read == 0
    assert not (tmp_path / "spool").exists()
    assert [k async for k in runtime.storage.list_keys("objects/")] == []


async def test_past_the_limit_nothing_is_kept(
    runtime: Runtime, scene: Scene, tmp_path: Path
) -> None:
    source = Source(PDF)
    with pytest.raises(ValidationFailed) as refused:
        await receiving.receive(
            scene.people["librarian"],
            draft(b"", scene.work_id, size=0, sha256=""),
            source,
            db=runtime.db,
            storage=runtime.storage,
            policy=runtime.policy,
            spool_dir=tmp_path / "spool",
            max_size=2000,
        )
    [error] = refused.value.errors
    assert (error.field, error.code, error.message) == (
        "file",
        "too_large",
        "a file sent with the form takes at most 2000 bytes",
    )
    assert source.read == 3000  # stopped at the first chunk past the limit
    assert list((tmp_path / "spool").iterdir()) == []
    assert [k async for k in runtime.storage.list_keys("objects/")] == []
