"""Who may download what (open licence, owner, partner tag, embargo), and what is recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from exchange import clock
from exchange.audit.models import AuditEvent
from exchange.errors import PermissionDenied, ValidationFailed
from exchange.identity.identity import ANONYMOUS, SYSTEM, Identity
from exchange.objects import downloads, fixity
from exchange.objects.errors import ObjectDamaged
from exchange.objects.models import Download
from exchange.runtime import Runtime
from tests.objects.helpers import make_available, once
from tests.objects.scene import PDF, Scene, draft, sha256

TOMORROW = clock.now().date() + timedelta(days=1)
OBJECTS: dict[str, dict[str, Any]] = {
    "open": {"licence": "CC-BY-4.0"},
    "owned": {"licence": "LicenseRef-Publisher-Terms"},
    "tagged": {"licence": "LicenseRef-TEEAL", "required_tag": "income-eligible"},
    "embargoed": {"licence": "CC0-1.0", "embargo_until": TOMORROW},
}
# who → the objects they may download
ENTITLED = {
    "anonymous": {"open"},
    "researcher": {"open", "owned", "tagged"},  # a researcher of the owning library
    "eligible_researcher": {"open", "tagged"},
    "outside_researcher": {"open"},
    "librarian": {"open", "owned", "tagged", "embargoed"},  # the owner's librarian
    "admin": {"open", "owned", "tagged", "embargoed"},
}


async def test_entitlement_table_and_exactly_one_event_per_granted_download(
    runtime: Runtime, scene: Scene
) -> None:
    librarian = scene.people["librarian"]
    objects = {
        name: await make_available(runtime, librarian, draft(PDF, scene.work_id, **kw), PDF)
        for name, kw in OBJECTS.items()
    }
    people = {**scene.people, "anonymous": ANONYMOUS}
    granted: list[tuple[str, str]] = []
    for who, allowed in ENTITLED.items():
        for name, obj in objects.items():
            async with runtime.db.unit_of_work() as uow:
                try:
                    grant = await downloads.download(
                        people[who], obj.id, uow=uow, storage=runtime.storage, policy=runtime.policy
                    )
                except PermissionDenied:
                    assert name not in allowed, f"{who} was refused {name}"
                    continue
            assert name in allowed, f"{who} was given {name}"
            assert grant.url.startswith("/storage/objects/")
            granted.append((who, name))

    async with runtime.db.read() as session:
        events = (await session.exec(select(Download).order_by(col(Download.id)))).all()
    by_object = {obj.id: name for name, obj in objects.items()}
    account = {p.account_id: who for who, p in people.items() if p.account_id}
    assert [
        (
            account.get(e.account_id, "anonymous") if e.account_id else "anonymous",
            by_object[e.object_id],
        )
        for e in events
    ] == (granted)
    partner_of = {
        (
            account.get(e.account_id, "anonymous") if e.account_id else "anonymous",
            by_object[e.object_id],
        ): e.partner_id
        for e in events
    }
    assert partner_of[("researcher", "owned")] == scene.national
    assert partner_of[("eligible_researcher", "tagged")] == scene.eligible
    assert partner_of[("anonymous", "open")] is None


async def test_usage_report_counts_downloads_per_partner_and_work(
    runtime: Runtime, scene: Scene
) -> None:
    librarian = scene.people["librarian"]
    obj = await make_available(
        runtime, librarian, draft(PDF, scene.work_id, licence="CC-BY-4.0"), PDF
    )
    for who in ("researcher", "researcher", "eligible_researcher"):
        async with runtime.db.unit_of_work() as uow:
            await downloads.download(
                scene.people[who], obj.id, uow=uow, storage=runtime.storage, policy=runtime.policy
            )
    today = clock.now().date()
    async with runtime.db.read() as session:
        report = await downloads.usage_report(
            scene.people["coordinator"], today, today, session=session, policy=runtime.policy
        )
        own = await downloads.usage_report(
            scene.people["librarian"],
            today,
            today,
            partner_id=scene.national,
            session=session,
            policy=runtime.policy,
        )
        with pytest.raises(PermissionDenied):
            await downloads.usage_report(
                scene.people["librarian"], today, today, session=session, policy=runtime.policy
            )
        with pytest.raises(ValidationFailed):
            await downloads.usage_report(
                scene.people["admin"],
                today,
                today - timedelta(days=1),
                session=session,
                policy=runtime.policy,
            )
        earlier = await downloads.usage_report(
            scene.people["admin"],
            today - timedelta(days=9),
            today - timedelta(days=1),
            session=session,
            policy=runtime.policy,
        )
    assert report.total == 3
    assert report.by_partner() == {scene.national: 2, scene.eligible: 1}
    assert report.by_work() == {scene.work_id: 3}
    assert (own.total, own.by_partner()) == (2, {scene.national: 2})
    assert earlier.rows == []


async def _grant(runtime: Runtime, who: Identity, object_id: Any) -> downloads.DownloadGrant:
    async with runtime.db.unit_of_work() as uow:
        return await downloads.download(
            who, object_id, uow=uow, storage=runtime.storage, policy=runtime.policy
        )


async def _events(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.read() as session:
        count = len((await session.exec(select(Download))).all())
        audited = len((await session.exec(select(AuditEvent))).all())
    return count, audited


@pytest.mark.parametrize("damage", ["changed", "missing"])
async def test_an_object_that_failed_fixity_is_not_served_until_it_passes_again(
    runtime: Runtime, scene: Scene, damage: str
) -> None:
    librarian = scene.people["librarian"]
    obj = await make_available(runtime, librarian, draft(PDF, scene.work_id), PDF)
    altered = PDF.replace(b"0", b"1", 1)
    if damage == "changed":
        await runtime.storage.put(
            obj.storage_key, once(altered), expected_size=len(PDF), expected_sha256=sha256(altered)
        )
    else:
        await runtime.storage.delete(obj.storage_key)
    report = await fixity.check(
        SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert (report.changed, report.missing) == (
        ([obj.id], []) if damage == "changed" else ([], [obj.id])
    )
    before = await _events(runtime)

    for who in ("librarian", "admin"):
        with pytest.raises(ObjectDamaged) as raised:
            await _grant(runtime, scene.people[who], obj.id)
        assert (raised.value.code, raised.value.fixity_status) == ("object_damaged", damage)
        assert raised.value.existing_id == str(obj.id)
    assert await _events(runtime) == before  # no download recorded, nothing audited

    await runtime.storage.put(
        obj.storage_key, once(PDF), expected_size=len(PDF), expected_sha256=sha256(PDF)
    )
    report = await fixity.check(
        SYSTEM, db=runtime.db, storage=runtime.storage, policy=runtime.policy
    )
    assert (report.ok, report.changed, report.missing) == (1, [], [])

    grant = await _grant(runtime, librarian, obj.id)
    assert grant.object.fixity_status == "ok"
    assert grant.url.startswith(f"/storage/{obj.storage_key}?")
