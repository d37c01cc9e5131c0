"""A throwaway PostgreSQL server for the tests, built from Debian's ``postgresql`` package.

``running_postgres`` runs ``initdb`` into a fresh directory, starts the server on a free
port of 127.0.0.1 with durability switched off (the data is thrown away anyway), creates
the ``exchange_test`` database and yields its async SQLAlchemy URL. The server is stopped
and its directory removed afterwards.

PostgreSQL refuses to run as root, so when the tests run as root (CI containers) the
server runs as an unprivileged system user through ``runuser``.

Set ``EXCHANGE_TEST_POSTGRES_URL`` to use an existing server instead.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ENV_URL = "EXCHANGE_TEST_POSTGRES_URL"
DATABASE = "exchange_test"
SUPERUSER = "exchange"
BIN_GLOB = "/usr/lib/postgresql/*/bin"
# The unprivileged accounts the server may run as when we are root, best first.
SERVICE_USERS = ("postgres", "nobody")
# A Unix socket path must fit in sockaddr_un.sun_path (108 bytes with the NUL).
MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.65535")
START_ATTEMPTS = 3
TIMEOUT_SECONDS = 60


def find_bin_dir() -> Path:
    """The ``bin`` directory of the newest PostgreSQL installed from Debian's packages."""
    candidates = [
        Path(initdb).parent
        for initdb in sorted(Path("/").glob(BIN_GLOB.lstrip("/") + "/initdb"))
        if os.access(initdb, os.X_OK)
    ]

    def version(bin_dir: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))

    if not candidates:
        raise RuntimeError(
            f"No PostgreSQL server binaries found under {BIN_GLOB}. Install them with "
            "`apt-get install postgresql` (.ci/run does this), or point "
            f"{ENV_URL} at an existing server."
        )
    return max(candidates, key=version)


def _service_user() -> str | None:
    """The account to run the server as: ``None`` (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in SERVICE_USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError(
        "PostgreSQL refuses to run as root and none of the users "
        f"{', '.join(SERVICE_USERS)} exists; create one (e.g. `useradd --system postgres`)."
    )


def _as_user(user: str | None, argv: Sequence[str]) -> list[str]:
    if user is None:
        return list(argv)
    return ["runuser", "-u", user, "--", *argv]


def _run(user: str | None, argv: Sequence[str], cwd: Path) -> None:
    # stdin is closed and output captured so that nothing waits on a terminal; cwd is a
    # directory the service user can enter (initdb and pg_ctl complain otherwise).
    result = subprocess.run(
        _as_user(user, argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS * 2,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(argv)} failed with exit code {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )


def _reachable_by(user: str | None, path: Path) -> bool:
    """Whether ``user`` can enter ``path`` (pytest's base temp is private to root)."""
    if user is None:
        return True
    probe = subprocess.run(
        _as_user(user, ["test", "-x", str(path)]),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _make_work_dir(base_dir: Path, user: str | None) -> Path:
    """A fresh directory for the cluster, under ``base_dir`` when the server user can
    reach it and the socket path stays short enough, else under the system temp dir."""
    base_dir.mkdir(parents=True, exist_ok=True)
    parent = base_dir.resolve()
    if not _reachable_by(user, parent) or len(str(parent)) > MAX_SOCKET_DIR - 20:
        parent = Path(tempfile.gettempdir())
    work = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
    work.chmod(0o755)
    if user is not None:
        record = pwd.getpwnam(user)
        os.chown(work, record.pw_uid, record.pw_gid)
    return work


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_log(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-4000:]
    except OSError:
        return "(no server log)"


def _start(bin_dir: Path, user: str | None, work: Path, data: Path, log: Path) -> int:
    """Start the server on a free port and return the port; a few attempts, since
    another process may grab the port between our probe and the server's bind."""
    last_error: RuntimeError | None = None
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port}",
            f"-c unix_socket_directories={shlex.quote(str(data))}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=200",
        ]
        try:
            _run(
                user,
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "--wait",
                    f"--timeout={TIMEOUT_SECONDS}",
                    f"--pgdata={data}",
                    f"--log={log}",
                    f"--options={' '.join(options)}",
                ],
                cwd=work,
            )
        except RuntimeError as error:
            last_error = RuntimeError(f"{error}\nserver log:\n{_read_log(log)}")
            continue
        return port
    assert last_error is not None
    raise last_error


def _stop(bin_dir: Path, user: str | None, work: Path, data: Path) -> None:
    if not (data / "postmaster.pid").exists():
        return
    subprocess.run(
        _as_user(user, [str(bin_dir / "pg_ctl"), "stop", "-m", "immediate", f"--pgdata={data}"]),
        cwd=work,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


@contextmanager
def running_postgres(base_dir: Path) -> Iterator[str]:
    """Yield the ``postgresql+asyncpg://`` URL of an empty ``exchange_test`` database on a
    throwaway server kept under ``base_dir`` (or the server named by the environment)."""
    if existing := os.environ.get(ENV_URL):
        yield existing
        return

    bin_dir = find_bin_dir()
    user = _service_user()
    work = _make_work_dir(base_dir, user)
    data = work / "data"
    log = work / "server.log"
    try:
        _run(
            user,
            [
                str(bin_dir / "initdb"),
                f"--pgdata={data}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                # Not plain C: under LC_CTYPE=C pg_trgm treats Hangul (and other
                # non-ASCII letters) as non-word characters and drops them.
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            cwd=work,
        )
        port = _start(bin_dir, user, work, data, log)
        _run(
            None,
            [
                str(bin_dir / "createdb"),
                "--host=127.0.0.1",
                f"--port={port}",
                f"--username={SUPERUSER}",
                DATABASE,
            ],
            cwd=work,
        )
        yield f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        try:
            _stop(bin_dir, user, work, data)
        finally:
            shutil.rmtree(work, ignore_errors=True)
