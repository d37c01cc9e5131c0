"""Three instances for the convergence test: a hub on PostgreSQL and two partner
instances on SQLite, each serving one partner, seeded with one open offer at the hub and
one request at each partner instance. Everything runs on one event loop of its own
(hypothesis' stateful machines are synchronous)."""

from __future__ import annotations

import asyncio
import io
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from exchange import clock
from exchange.audit import chain
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.offers import service as offers
from exchange.offers.models import Condition, Format
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.requests import service as requests
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.signing.instance_key import instance_jwk
from exchange.sync import bundle, export, importer, instance, peers
from exchange.sync.errors import BundleRefused, BundleWaiting

T = TypeVar("T")
NIL = uuid.UUID(int=0)


def person(partner: uuid.UUID, role: Role) -> Identity:
    return Identity(account_id=uuid.uuid4(), grants=(Grant(partner, role),))


@dataclass
class Node:
    name: str
    runtime: Runtime
    id: uuid.UUID = NIL
    partner: uuid.UUID | None = None  # the partner it serves (partner instances)
    request_line: uuid.UUID | None = None


@dataclass
class Flight:
    """A bundle file on its way to ``target``."""

    source: str
    target: str
    path: Path


@dataclass
class Three:
    loop: asyncio.AbstractEventLoop
    root: Path
    nodes: dict[str, Node]
    pg_admin: str
    pg_name: str
    offer_line: uuid.UUID = NIL
    donor: uuid.UUID = NIL
    counter: list[int] = field(default_factory=lambda: [0])

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    # -- bundles ---------------------------------------------------------------------
    def ship(self, source: str, target: str) -> Flight:
        return self.run(self.ship_async(source, target))

    async def ship_async(self, source: str, target: str) -> Flight:
        self.counter[0] += 1
        path = self.root / f"{self.counter[0]:04d}-{source}-{target}.tar.gz"
        src, dst = self.nodes[source], self.nodes[target]

        async def work() -> None:
            async with src.runtime.db.unit_of_work() as uow:
                await export.export(
                    SYSTEM,
                    dst.id,
                    path,
                    uow=uow,
                    key=src.runtime.instance_key,
                    storage=src.runtime.storage,
                )

        await work()
        return Flight(source, target, path)

    def receive(self, flight: Flight, path: Path | None = None) -> str:
        """``applied``, ``duplicate``, ``waiting`` or ``refused: reason``."""
        return self.run(self.receive_async(flight, path))

    async def receive_async(self, flight: Flight, path: Path | None = None) -> str:
        node = self.nodes[flight.target]

        async def work() -> str:
            async with node.runtime.db.read() as session:
                registered = {
                    str(p.id): (p.kid, peers.public_key(p.jwk))
                    for p in await peers.list_rows(session)
                }

            def key_for(sender: str) -> Any:
                if sender not in registered:
                    raise BundleRefused(f"sender {sender} is not a registered peer")
                return registered[sender]

            try:
                with tempfile.TemporaryDirectory() as scratch:
                    opened = await bundle.read(path or flight.path, key_for, Path(scratch))
                    async with node.runtime.db.unit_of_work() as uow:
                        done = await importer.apply(
                            SYSTEM,
                            opened,
                            uow=uow,
                            policy=node.runtime.policy,
                            storage=node.runtime.storage,
                        )
                return "duplicate" if done.duplicate else "applied"
            except BundleWaiting:
                return "waiting"
            except BundleRefused as error:
                return f"refused: {error.reason}"

        return await work()

    # -- reading state ---------------------------------------------------------------
    def rows(self, name: str, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql``, UUIDs as 32 hex digits whichever database (SQLite stores them
        so; PostgreSQL returns ``uuid.UUID``)."""

        def plain(value: Any) -> Any:
            return value.hex if isinstance(value, uuid.UUID) else value

        async def work() -> list[tuple[Any, ...]]:
            async with self.nodes[name].runtime.db.read() as session:
                result = await session.execute(sa.text(sql))
                return [tuple(plain(v) for v in r) for r in result.all()]

        return self.run(work())

    def chain_ok(self, name: str) -> bool:
        async def work() -> bool:
            async with self.nodes[name].runtime.db.read() as session:
                return (await chain.verify(session)).ok

        return self.run(work())

    def close(self) -> None:
        for node in self.nodes.values():
            self.run(node.runtime.close())

        async def drop() -> None:
            conn = await asyncpg.connect(self.pg_admin)
            try:
                await conn.execute(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")
            finally:
                await conn.close()

        self.run(drop())
        self.loop.close()
        shutil.rmtree(self.root, ignore_errors=True)


def tampered(source: Path, target: Path, how: int) -> None:
    """0: a payload byte changed; 1: the same with the bag's manifests made to agree;
    2: the archive cut short."""
    data = source.read_bytes()
    if how == 2:
        target.write_bytes(data[: len(data) * 2 // 3])
        return
    import hashlib

    files: dict[str, bytes] = {}
    with tarfile.open(source) as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                files[member.name] = handle.read()
    changes = next(n for n in files if n.endswith("data/changes.jsonl"))
    files[changes] = files[changes].replace(b'"quantity":', b'"quantity":9', 1) + b"\n"
    if how == 1:
        top = changes.split("/")[0]
        manifest = f"{top}/manifest-sha256.txt"
        lines = [
            line
            for line in files[manifest].decode().splitlines()
            if not line.endswith("data/changes.jsonl")
        ]
        digest = hashlib.sha256(files[changes]).hexdigest()
        lines.append(f"{digest}  data/changes.jsonl")
        files[manifest] = ("\n".join(lines) + "\n").encode()
        tags = f"{top}/tagmanifest-sha256.txt"
        files[tags] = "".join(
            f"{hashlib.sha256(files[f'{top}/{n}']).hexdigest()}  {n}\n"
            for n in (line.split("  ", 1)[1] for line in files[tags].decode().splitlines() if line)
        ).encode()
    with tarfile.open(target, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def build(postgres_url: str, sqlite_template: Path, number: int) -> Three:
    loop = asyncio.new_event_loop()
    root = Path(tempfile.mkdtemp(prefix="three-"))
    admin = make_url(postgres_url).set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    pg_name = f"three_{number}_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f"CREATE DATABASE {pg_name} TEMPLATE exchange_template")
        finally:
            await conn.close()

    loop.run_until_complete(create())
    hub_url = make_url(postgres_url).set(database=pg_name).render_as_string(hide_password=False)
    nodes = {
        "hub": Node("hub", Runtime.start(Settings(data_dir=root / "hub", database_url=hub_url)))
    }
    for name in ("p1", "p2"):
        path = root / f"{name}.sqlite3"
        shutil.copyfile(sqlite_template, path)
        settings = Settings(data_dir=root / name, database_url=f"sqlite+aiosqlite:///{path}")
        nodes[name] = Node(name, Runtime.start(settings))
    three = Three(loop, root, nodes, admin_dsn, pg_name)
    three.run(_seed(three))
    return three


async def _seed(three: Three) -> None:
    hub = three.nodes["hub"]
    for node in three.nodes.values():
        async with node.runtime.db.unit_of_work() as uow:
            node.id = await instance.ensure(uow)
    policy = hub.runtime.policy
    async with hub.runtime.db.unit_of_work() as uow:
        made = []
        for name in ("Donor", "First", "Second"):
            draft = partners.PartnerDraft(
                [("en", f"{name} Library")], "KE", PartnerKind.UNIVERSITY_LIBRARY, []
            )
            made.append((await partners.create(SYSTEM, draft, uow=uow, policy=policy)).id)
        three.donor, three.nodes["p1"].partner, three.nodes["p2"].partner = made
        work = await catalogue.create(
            SYSTEM,
            WorkDraft(
                kind=WorkKind.TEXTBOOK,
                titles=[("en", "Soil Science")],
                language="en",
                partner_id=three.donor,
            ),
            uow=uow,
            policy=policy,
        )
        donor = person(three.donor, Role.LIBRARIAN)
        offer = await offers.create(
            donor,
            offers.OfferDraft(
                three.donor,
                [offers.OfferLineDraft(work.id, 6, Format.PRINT, Condition.GOOD)],
                clock.now() + timedelta(days=30),
            ),
            uow=uow,
            policy=policy,
        )
        await offers.transition(donor, offer.id, "publish", uow=uow, policy=policy)
        three.offer_line = (await offers.lines_of([offer.id], session=uow.session))[offer.id][0].id
    for name in ("p1", "p2"):
        node = three.nodes[name]
        assert node.partner is not None
        for here, there, serves in ((hub, node, [node.partner]), (node, hub, [])):
            jwks = {"keys": [instance_jwk(there.runtime.instance_key.public_key())]}
            async with here.runtime.db.unit_of_work() as uow:
                await peers.add(SYSTEM, there.id, jwks, serves, uow=uow)
    work_id = None
    for name in ("p1", "p2"):
        assert await three.receive_async(await three.ship_async("hub", name)) == "applied"
        node = three.nodes[name]
        assert node.partner is not None
        async with node.runtime.db.unit_of_work() as uow:
            if work_id is None:
                work_id = (
                    await uow.session.execute(sa.text("SELECT work_id FROM offer_line"))
                ).scalar_one()
            request = await requests.create(
                person(node.partner, Role.LIBRARIAN),
                requests.RequestDraft(
                    node.partner, [requests.RequestLineDraft(5, work_id=uuid.UUID(str(work_id)))]
                ),
                uow=uow,
                policy=node.runtime.policy,
            )
            lines = await requests.lines_of([request.id], session=uow.session)
            node.request_line = lines[request.id][0].id
        assert await three.receive_async(await three.ship_async(name, "hub")) == "applied"
