"""Fixity checks find changed and vanished bytes; collection leaves no orphan behind."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import col, select

from exchange import clock
from exchange.identity.identity import SYSTEM
from exchange.objects import collection, fixity, uploads
from exchange.objects.models import DigitalObject, FixityCheck
from exchange.runtime import Runtime
from tests.objects.helpers import make_available, once
from tests.objects.scene import PDF, Scene, draft, sha256

TEXT = b"Lecture 3 transcript\n" * 10


async def test_fixity_reports_a_changed_and_a_vanished_object(
    runtime: Runtime, scene: Scene
) -> None:
    librarian = scene.people["librarian"]
    intact = await make_available(runtime, librarian, draft(PDF, scene.work_id), PDF)
    changed = await make_available(runtime, librarian, draft(TEXT, scene.work_id), TEXT)
    vanished = await make_available(
        runtime, librarian, draft(TEXT + b"!", scene.work_id), TEXT + b"!"
    )
    tampered = TEXT.replace(b"3", b"4")
    await runtime.storage.put(
        changed.storage_key,
        once(tampered),
        expected_size=len(tampered),
        expected_sha256=sha256(tampered),
    )
    await runtime.storage.delete(vanished.storage_key)

    report = await fixity.check(
        SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )

    assert (report.checked, report.ok, report.changed, report.missing) == (
        3,
        1,
        [changed.id],
        [vanished.id],
    )
    async with runtime.db.read() as session:
        statuses = {
            o.id: o.fixity_status for o in (await session.exec(select(DigitalObject))).all()
        }
        checks = (await session.exec(select(FixityCheck).order_by(col(FixityCheck.id)))).all()
    assert statuses == {intact.id: "ok", changed.id: "changed", vanished.id: "missing"}
    latest = {c.object_id: (c.status, c.actual_sha256) for c in checks}
    assert latest[changed.id] == ("changed", sha256(tampered))
    assert latest[vanished.id] == ("missing", None)

    sampled = await fixity.check(
        SYSTEM, sample=1, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert sampled.checked == 1


async def test_collection_removes_orphans_and_abandoned_uploads_only(
    runtime: Runtime, scene: Scene
) -> None:
    librarian = scene.people["librarian"]
    kept = await make_available(runtime, librarian, draft(PDF, scene.work_id), PDF)
    orphan = f"objects/{uuid.uuid4()}"
    await runtime.storage.put(
        orphan, once(TEXT), expected_size=len(TEXT), expected_sha256=sha256(TEXT)
    )
    stray_upload = await runtime.storage.start_multipart(f"objects/{uuid.uuid4()}")
    async with runtime.db.unit_of_work() as uow:
        stale = await uploads.start_upload(
            librarian,
            draft(TEXT, scene.work_id),
            uow=uow,
            storage=runtime.storage,
            policy=runtime.policy,
            multipart=True,
        )
        fresh = await uploads.start_upload(
            librarian,
            draft(TEXT, scene.work_id),
            uow=uow,
            storage=runtime.storage,
            policy=runtime.policy,
        )
    async with runtime.db.unit_of_work() as uow:
        row = await uow.session.get(DigitalObject, stale.object.id)
        assert row is not None
        row.created_at = clock.now() - timedelta(days=2)
        uow.session.add(row)

    report = await collection.collect(
        SYSTEM,
        db=runtime.db,
        storage=runtime.storage,
        policy=runtime.policy,
        stale_after=timedelta(hours=24),
        now=clock.now() + timedelta(hours=2),
    )

    assert report.abandoned_objects == [stale.object.id]
    assert report.deleted_keys == [orphan]
    assert set(report.aborted_uploads) == {stray_upload, _upload_id(stale)}
    assert [k async for k in runtime.storage.list_keys("objects/")] == [kept.storage_key]
    assert await runtime.storage.list_multipart_uploads() == []
    async with runtime.db.read() as session:
        states = {o.id: o.state for o in (await session.exec(select(DigitalObject))).all()}
    assert states == {kept.id: "available", stale.object.id: "rejected", fresh.object.id: "pending"}


def _upload_id(started: uploads.StartedUpload) -> str:
    # the part URL names the upload (local storage: uploadId=…)
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(started.parts[0].url).query)["uploadId"][0]
