"""The data directory and the SQLite file are private (issue 11, item 13)."""

from __future__ import annotations

import stat
from pathlib import Path

from anyio import to_thread

from exchange.db import migrate
from exchange.db.engine import Database
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.settings import Settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_directory_and_database_files_are_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh" / "data")
    await to_thread.run_sync(migrate.upgrade, settings.effective_database_url)  # as `db upgrade`
    database = settings.data_dir / "exchange.sqlite3"
    assert mode(settings.data_dir) == 0o700
    assert mode(database) == 0o600
    runtime = Runtime.start(settings)
    try:
        async with runtime.db.unit_of_work() as uow:
            await identity_service.create_account(
                SYSTEM,
                identity_service.AccountDraft("a@example.org", "A", "long enough password"),
                uow=uow,
                policy=runtime.policy,
            )
        journal = database.with_name("exchange.sqlite3-wal")
        assert journal.exists()
        assert {p.name: mode(p) for p in settings.data_dir.iterdir()} == {
            "exchange.sqlite3": 0o600,
            "exchange.sqlite3-wal": 0o600,
            "exchange.sqlite3-shm": 0o600,
            "instance-key.pem": 0o600,
            "url-signing.key": 0o600,
        }
    finally:
        await runtime.close()


def test_an_existing_database_file_is_narrowed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    path = shared / "old.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)
    Database(f"sqlite+aiosqlite:///{path}")
    assert mode(path) == 0o600
    assert mode(shared) == 0o755  # a directory the operator made is left alone
