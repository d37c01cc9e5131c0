"""A private PostgreSQL server that a test may stop and start again on the same port
(to see what the service does while its database is gone). Built from ``postgres.py``."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import postgres


@dataclass
class Cluster:
    bin_dir: Path
    user: str | None
    work: Path
    port: int

    @property
    def data(self) -> Path:
        return self.work / "data"

    @property
    def url(self) -> str:
        return (
            f"postgresql+asyncpg://{postgres.SUPERUSER}@127.0.0.1:{self.port}/{postgres.DATABASE}"
        )

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: every connection is cut, committed work is kept (the
        server runs with ``synchronous_commit=off``, so an immediate stop could lose it)."""
        postgres._run(
            self.user,
            [str(self.bin_dir / "pg_ctl"), "stop", "--wait", "-m", "fast", f"--pgdata={self.data}"],
            cwd=self.work,
        )

    def start(self) -> None:
        """Start again, on the same port."""
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={self.port}",
            f"-c unix_socket_directories={shlex.quote(str(self.data))}",
            "-c fsync=off",
        ]
        postgres._run(
            self.user,
            [
                str(self.bin_dir / "pg_ctl"),
                "start",
                "--wait",
                f"--pgdata={self.data}",
                f"--log={self.work / 'server.log'}",
                f"--options={' '.join(options)}",
            ],
            cwd=self.work,
        )


@contextmanager
def private_cluster(base_dir: Path) -> Iterator[Cluster]:
    bin_dir = postgres.find_bin_dir()
    user = postgres._service_user()
    work = postgres._make_work_dir(base_dir, user)
    data = work / "data"
    try:
        postgres._run(
            user,
            [
                str(bin_dir / "initdb"),
                f"--pgdata={data}",
                f"--username={postgres.SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            cwd=work,
        )
        port = postgres._start(bin_dir, user, work, data, work / "server.log")
        postgres._run(
            None,
            [
                str(bin_dir / "createdb"),
                "--host=127.0.0.1",
                f"--port={port}",
                f"--username={postgres.SUPERUSER}",
                postgres.DATABASE,
            ],
            cwd=work,
        )
        yield Cluster(bin_dir, user, work, port)
    finally:
        try:
            postgres._stop(bin_dir, user, work, data)
        finally:
            shutil.rmtree(work, ignore_errors=True)
