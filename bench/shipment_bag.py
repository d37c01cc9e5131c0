"""Benchmark of BagIt export: a digital shipment of --size-mib MiB (default 1 GiB, in
--files files) written as a bag by ``bag_export.export_bag`` versus ``cp`` of the same stored
files, on the same disk, in the same run.

    .venv/bin/python bench/shipment_bag.py [--size-mib 1024] [--files 8] [--rounds 3]
    .venv/bin/python bench/shipment_bag.py --quick   (128 MiB in 4 files, 2 rounds)

All runs read from the local storage backend's directory and write into a fresh
directory beside it; the page cache is warm for all (the best of --rounds is kept). The
plain export copies in the kernel and states the signed manifest's SHA-256 (proved at
upload, re-proved by fixity checks): its figure should sit near cp's. ``export --verify``
also re-hashes every byte in the same single pass: its figure is the price of that proof,
to be read against cp + sha256sum.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import headline

from exchange import clock
from exchange.allocations import service as allocations
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.db import migrate
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.objects import uploads
from exchange.offers import service as offers
from exchange.offers.models import Format
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments import bag_export, transitions
from exchange.shipments.models import ShipmentMode
from exchange.shipments.workflow import Action

MIB = 1024 * 1024


def person(partner: uuid.UUID, role: Role) -> Identity:
    return Identity(account_id=uuid.uuid4(), grants=(Grant(partner, role),))


async def _file(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(4 * MIB):
            yield chunk


async def prepare(runtime: Runtime, files: int, file_size: int, scratch: Path) -> uuid.UUID:
    """A dispatched digital shipment of ``files`` random files of ``file_size`` bytes."""
    policy = runtime.policy
    custody = Custody(runtime.settings.key_encryption_key_bytes)
    async with runtime.db.unit_of_work() as uow:
        made = []
        for name, kind in (
            ("Donor", PartnerKind.DONOR_ORGANISATION),
            ("Library", PartnerKind.UNIVERSITY_LIBRARY),
        ):
            draft = partners.PartnerDraft([("en", name)], "DE", kind, [])
            partner = await partners.create(SYSTEM, draft, uow=uow, policy=policy)
            await keys.create_custodial(SYSTEM, partner.id, uow=uow, policy=policy, custody=custody)
            made.append(partner.id)
        donor, library = made
        sender, receiver = person(donor, Role.LIBRARIAN), person(library, Role.LIBRARIAN)
        work = await catalogue.create(
            SYSTEM,
            WorkDraft(
                kind=WorkKind.TEXTBOOK,
                titles=[("en", "Big Lectures")],
                language="en",
                partner_id=donor,
            ),
            uow=uow,
            policy=policy,
        )
        offer = await offers.create(
            sender,
            offers.OfferDraft(
                donor,
                [offers.OfferLineDraft(work.id, files, Format.DIGITAL)],
                clock.now() + timedelta(days=1),
                licence="CC-BY-4.0",
            ),
            uow=uow,
            policy=policy,
        )
        await offers.transition(sender, offer.id, "publish", uow=uow, policy=policy)
        line = (await offers.lines_of([offer.id], session=uow.session))[offer.id][0]
        request = await requests.create(
            receiver,
            requests.RequestDraft(library, [requests.RequestLineDraft(files, work_id=work.id)]),
            uow=uow,
            policy=policy,
        )
        request_line = (await requests.lines_of([request.id], session=uow.session))[request.id][0]
        allocation_ids = [
            (
                await allocations.allocate(
                    receiver, line.id, request_line.id, 1, uow=uow, policy=policy
                )
            ).id
            for _ in range(files)
        ]
        shipment = await transitions.create(
            sender, allocation_ids, ShipmentMode.DIGITAL, uow=uow, policy=policy
        )
    for index, allocation_id in enumerate(allocation_ids):
        source = scratch / f"lecture-{index}.bin"
        digest = hashlib.sha256()
        with source.open("wb") as handle:
            for _ in range(file_size // MIB):
                chunk = os.urandom(MIB)
                digest.update(chunk)
                handle.write(chunk)
        upload = uploads.UploadDraft(
            source.name, file_size, digest.hexdigest(), "application/octet-stream", "CC-BY-4.0",
            uploads.Attachment(shipment_id=shipment.id), donor,
        )  # fmt: skip
        async with runtime.db.unit_of_work() as uow:
            started = await uploads.start_upload(
                SYSTEM, upload, uow=uow, storage=runtime.storage, policy=policy, multipart=False
            )
        await runtime.storage.put(
            started.object.storage_key, _file(source), expected_size=file_size,
            expected_sha256=digest.hexdigest(),
        )  # fmt: skip
        source.unlink()
        await uploads.complete_upload(
            SYSTEM, started.object.id, db=runtime.db, storage=runtime.storage, policy=policy
        )
        async with runtime.db.unit_of_work() as uow:
            await transitions.attach_object(
                sender, shipment.id, allocation_id, started.object.id, uow=uow, policy=policy
            )
    async with runtime.db.unit_of_work() as uow:
        await transitions.act(sender, shipment.id, Action.PACK, uow=uow, policy=policy)
        await transitions.dispatch(sender, shipment.id, uow=uow, policy=policy, custody=custody)
    return shipment.id


async def measure(
    settings: Settings, files: int, file_size: int, rounds: int, root: Path
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Seconds of each round: (bag exports, cp runs, cp + sha256sum runs, verified bag
    exports)."""
    runtime = Runtime.start(settings)
    try:
        shipment_id = await prepare(runtime, files, file_size, root)
        stored = sorted(
            p
            for p in settings.effective_storage_dir.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        exports: list[float] = []
        copies: list[float] = []
        hashes: list[float] = []
        verified: list[float] = []
        for round_ in range(rounds):
            target = root / f"cp-{round_}"
            target.mkdir()
            started = time.perf_counter()
            await asyncio.to_thread(
                subprocess.run, ["cp", *map(str, stored), str(target)], check=True
            )
            copies.append(time.perf_counter() - started)
            started = time.perf_counter()
            await asyncio.to_thread(
                subprocess.run,
                ["sha256sum", *map(str, sorted(target.iterdir()))],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            hashes.append(copies[-1] + time.perf_counter() - started)
            shutil.rmtree(target)
            for verify, times in ((False, exports), (True, verified)):
                bag_dir = root / f"bag-{round_}-{verify}"
                started = time.perf_counter()
                report = await bag_export.export_bag(
                    SYSTEM, shipment_id, bag_dir, db=runtime.db, storage=runtime.storage,
                    policy=runtime.policy, verify=verify,
                )  # fmt: skip
                times.append(time.perf_counter() - started)
                assert report.octets == files * file_size
                shutil.rmtree(bag_dir)
    finally:
        await runtime.close()
    return exports, copies, hashes, verified


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="128 MiB in 4 files, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.size_mib, args.files, args.rounds = 128, 4, 2
    file_size = args.size_mib * MIB // args.files // MIB * MIB
    total = file_size * args.files
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        settings = Settings(
            data_dir=root / "data",
            key_encryption_key=base64.b64encode(os.urandom(32)).decode("ascii"),
        )
        settings.data_dir.mkdir(parents=True)
        migrate.upgrade(settings.effective_database_url)
        exports, copies, hashes, verified = asyncio.run(
            measure(settings, args.files, file_size, args.rounds, root)
        )
    best_export, best_copy = min(exports), min(copies)
    print(f"payload: {total / MIB:.0f} MiB in {args.files} files; best of {args.rounds}")
    print(f"cp:          {best_copy:7.3f} s  {total / MIB / best_copy:8.0f} MiB/s")
    best_hash = min(hashes)
    print(f"cp+sha256sum:{best_hash:7.3f} s  {total / MIB / best_hash:8.0f} MiB/s")
    best_verified = min(verified)
    print(f"export-bag:  {best_export:7.3f} s  {total / MIB / best_export:8.0f} MiB/s")
    print(f"  --verify:  {best_verified:7.3f} s  {total / MIB / best_verified:8.0f} MiB/s")
    print(f"ratio export/cp: {best_export / best_copy:.2f}")
    print(f"ratio export --verify/cp: {best_verified / best_copy:.2f}")
    print(f"ratio export --verify/(cp+sha256sum): {best_verified / best_hash:.2f}")
    mib = total / MIB
    headline.emit(
        "shipment_bag",
        [
            headline.Row(
                f"export-bag, {mib:.0f} MiB",
                mib / best_export,
                "MiB/s",
                "higher",
                mib / best_copy,
                "cp of the same files",
            ),
            headline.Row(
                f"export-bag --verify, {mib:.0f} MiB",
                mib / best_verified,
                "MiB/s",
                "higher",
                mib / best_hash,
                "cp + sha256sum",
            ),
        ],
    )


if __name__ == "__main__":
    main()
