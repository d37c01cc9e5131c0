"""Benchmark of offline sync: exporting and importing a bundle of N changes between two
instances (SQLite files in a temporary directory), and the size of the incremental bundle
after one change once the first was acknowledged.

    .venv/bin/python bench/sync.py [--changes 100000] [--quick]

The N changes are N partner records, each written with its audit event through the same
chain append every service uses (rows inserted in batches of 5,000, so that making them does
not dominate the run). Figures printed: changes/s for export (collect, write, sign, compress)
and for import (unpack, bag check, verify, apply in one transaction), bundle bytes per change,
and the incremental bundle's size in bytes (target: under 10 KB without objects).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import headline
import sqlalchemy as sa

from exchange import clock
from exchange.audit.chain import AuditRecord, append
from exchange.db import migrate
from exchange.db.table import table
from exchange.identity.identity import SYSTEM
from exchange.ids import uuid7
from exchange.partners import service as partners
from exchange.partners.models import Partner
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.signing.instance_key import instance_jwk
from exchange.sync import bundle, export, importer, instance, peers

BATCH = 5000


def start(root: Path, name: str) -> Runtime:
    url = f"sqlite+aiosqlite:///{root / name}.sqlite3"
    return Runtime.start(Settings(data_dir=root / name, database_url=url))


def migrated(root: Path) -> None:
    for name in ("hub", "partner"):
        migrate.upgrade(f"sqlite+aiosqlite:///{root / name}.sqlite3")


async def fill(runtime: Runtime, count: int) -> None:
    partner_table = table(Partner)
    for offset in range(0, count, BATCH):
        now = clock.now()
        rows = []
        for index in range(offset, min(count, offset + BATCH)):
            names = [{"lang": "en", "value": f"Library {index}"}]
            rows.append(
                {
                    "id": uuid7(),
                    "names": names,
                    "search_text": f"library {index}",
                    "country": "KE",
                    "kind": "university_library",
                    "status": "active",
                    "tags": [],
                    "public": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        async with runtime.db.unit_of_work() as uow:
            await uow.session.execute(sa.insert(partner_table), rows)
            await append(
                uow.session,
                uow.dialect,
                (
                    AuditRecord("system", "partner.create", "partner", str(r["id"]), None, {})
                    for r in rows
                ),
            )


async def pair(hub: Runtime, partner: Runtime) -> tuple[str, str]:
    async with hub.db.unit_of_work() as uow:
        hub_id = await instance.ensure(uow)
    async with partner.db.unit_of_work() as uow:
        partner_id = await instance.ensure(uow)
    for here, there, there_id in ((hub, partner, partner_id), (partner, hub, hub_id)):
        jwks = {"keys": [instance_jwk(there.instance_key.public_key())]}
        async with here.db.unit_of_work() as uow:
            await peers.add(SYSTEM, there_id, jwks, [], uow=uow)
    return str(hub_id), str(partner_id)


async def send(source: Runtime, target: Runtime, peer_id: str, path: Path) -> tuple[float, float]:
    """Export from ``source`` and import at ``target``; seconds for each."""
    import uuid

    begin = time.perf_counter()
    async with source.db.unit_of_work() as uow:
        await export.export(
            SYSTEM,
            uuid.UUID(peer_id),
            path,
            uow=uow,
            key=source.instance_key,
            storage=source.storage,
        )
    exported = time.perf_counter() - begin
    async with target.db.read() as session:
        registered = {
            str(p.id): (p.kid, peers.public_key(p.jwk)) for p in await peers.list_rows(session)
        }
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        opened = await bundle.read(path, registered.__getitem__, Path(scratch))
        async with target.db.unit_of_work() as uow:
            await importer.apply(
                SYSTEM, opened, uow=uow, policy=target.policy, storage=target.storage
            )
    return exported, time.perf_counter() - begin


async def run(root: Path, count: int) -> dict[str, float]:
    hub, partner = start(root, "hub"), start(root, "partner")
    try:
        hub_id, partner_id = await pair(hub, partner)
        await fill(hub, count)
        full = root / "full.tar.gz"
        exported, imported = await send(hub, partner, partner_id, full)
        # the acknowledgement goes back, then one change is made
        await send(partner, hub, hub_id, root / "ack.tar.gz")
        async with hub.db.read() as session:
            one = (await session.execute(sa.select(table(Partner).c.id).limit(1))).scalar_one()
        async with hub.db.unit_of_work() as uow:
            await partners.update(
                SYSTEM,
                one,
                partners.PartnerPatch(tags=["income-eligible"]),
                uow=uow,
                policy=hub.policy,
            )
        incremental = root / "one.tar.gz"
        await send(hub, partner, partner_id, incremental)
        size = full.stat().st_size
        return {
            "changes": count,
            "export_changes_per_s": round(count / exported),
            "import_changes_per_s": round(count / imported),
            "bundle_bytes": size,
            "bytes_per_change": round(size / count, 1),
            "incremental_bundle_bytes": incremental.stat().st_size,
        }
    finally:
        await hub.close()
        await partner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 changes")
    args = parser.parse_args()
    count = 10_000 if args.quick else args.changes
    with tempfile.TemporaryDirectory() as folder:
        migrated(Path(folder))
        figures = asyncio.run(run(Path(folder), count))
    print(json.dumps(figures, indent=2))
    headline.emit(
        "sync",
        [
            headline.Row(
                f"export, {count:,} changes", figures["export_changes_per_s"], "changes/s", "higher"
            ),
            headline.Row(
                f"import, {count:,} changes", figures["import_changes_per_s"], "changes/s", "higher"
            ),
            headline.Row("bundle size per change", figures["bytes_per_change"], "bytes"),
            headline.Row(
                "incremental bundle after one change (target < 10 KB)",
                figures["incremental_bundle_bytes"],
                "bytes",
            ),
        ],
    )


if __name__ == "__main__":
    main()
