"""Fixtures: every database test runs on SQLite and on a real PostgreSQL.

Each test gets a fresh database copied from a template migrated once per session
(a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from exchange.app import create_app
from exchange.db import migrate
from exchange.identity import service as identity_service
from exchange.identity import tokens as token_service
from exchange.identity.identity import SYSTEM, Role
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.servers.postgres import running_postgres

OPERATIONS = Path(__file__).resolve().parents[1] / "graphql" / "operations"
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_postgres(tmp_path_factory.mktemp("pg")) as url:
        yield url


def _asyncpg_dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    async def create() -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_url, "postgres"))
        try:
            await conn.execute("DROP DATABASE IF EXISTS exchange_template")
            await conn.execute("CREATE DATABASE exchange_template")
        finally:
            await conn.close()

    asyncio.run(create())
    template_url = (
        make_url(postgres_url)
        .set(database="exchange_template")
        .render_as_string(hide_password=False)
    )
    migrate.upgrade(template_url)
    return "exchange_template"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "exchange.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    base: str = request.getfixturevalue("postgres_url")
    request.getfixturevalue("postgres_template")
    name = f"t_{next(_counter)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(base, "postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name} TEMPLATE exchange_template"))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime.start(settings)
    yield rt
    await rt.close()


@pytest.fixture
async def client(settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def operation(name: str) -> str:
    """The operation document ``graphql/operations/<name>.graphql``."""
    return (OPERATIONS / f"{name}.graphql").read_text("utf-8")


async def gql(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": document, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class World:
    """Two partners and one account of each role, with tokens."""

    national: str
    donor: str
    tokens: dict[str, str]
    account_ids: dict[str, str]


@pytest.fixture
async def world(runtime: Runtime) -> World:
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        national = await partners.create(
            SYSTEM,
            partners.PartnerDraft(
                [
                    ("ko-Hang", "인민대학습당"),
                    ("ko-Latn", "Inmin Taehaksŭptang"),
                    ("en", "Grand People's Study House"),
                ],
                "KP",
                PartnerKind.NATIONAL_LIBRARY,
                ["review-destination"],
                public=True,
            ),
            uow=uow,
            policy=policy,
        )
        donor = await partners.create(
            SYSTEM,
            partners.PartnerDraft(
                [("en", "Open Shelves Foundation")],
                "DE",
                PartnerKind.DONOR_ORGANISATION,
                [],
                public=False,
            ),
            uow=uow,
            policy=policy,
        )
        tokens: dict[str, str] = {}
        account_ids: dict[str, str] = {}
        people = [
            ("admin", donor.id, Role.ADMIN),
            ("coordinator", donor.id, Role.COORDINATOR),
            ("librarian", national.id, Role.LIBRARIAN),
            ("donor_librarian", donor.id, Role.LIBRARIAN),
            ("researcher", national.id, Role.RESEARCHER),
        ]
        for key, partner_id, role in people:
            account = await identity_service.create_account(
                SYSTEM,
                identity_service.AccountDraft(f"{key}@example.org", key.title()),
                uow=uow,
                policy=policy,
            )
            await identity_service.add_membership(
                SYSTEM, account.id, partner_id, role, uow=uow, policy=policy
            )
            _token, secret = await token_service.issue_token(
                account, uow=uow, ttl=timedelta(days=1)
            )
            tokens[key] = secret
            account_ids[key] = str(account.id)
    return World(str(national.id), str(donor.id), tokens, account_ids)


async def db_state(runtime: Runtime) -> tuple[list[dict[str, Any]], int, str]:
    """Everything a denied mutation must leave alone: partners and the audit head."""
    from sqlmodel import col, select

    from exchange.audit import chain
    from exchange.partners.models import Partner

    async with runtime.db.read() as session:
        rows = (await session.exec(select(Partner).order_by(col(Partner.id)))).all()
        last = await chain.head(session)
    return (
        [{"id": str(p.id), **p.snapshot()} for p in rows],
        last.seq if last else 0,
        last.hash if last else "",
    )
