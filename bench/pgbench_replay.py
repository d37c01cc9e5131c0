"""What PostgreSQL itself allows on the hot line: pgbench, same cluster, 64 clients.

* ``capture`` records the SQL one allocation issues through the service (its unit of
  work and the audit link round after it), with the driver's parameters;
* ``replay_script`` turns it into a pgbench script: every parameter inlined as a literal,
  except what must be fresh in each transaction (the allocation's id, the audit event's
  id, sequence and hashes), which become per-transaction expressions;
* ``run`` runs a script with pgbench and returns its tps and transaction count.

The replay runs in a copy of the bench database (``CREATE DATABASE ... TEMPLATE``), so its
audit rows (whose hashes pgbench cannot compute) never touch the chain the service's runs
are checked against.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

PGBENCH = "/usr/bin/pgbench"
FRESH_HASH = "(md5(random()::text) || md5(random()::text))"
NEXT_SEQ = "(SELECT coalesce(max(seq), 0) + 1 FROM audit_event)"


@dataclass
class Captured:
    statement: str
    names: list[str]
    rows: list[tuple[Any, ...]]  # one per execution (several for executemany)


@dataclass
class Capture:
    """Statements and transaction boundaries, in order ("BEGIN;"/"COMMIT;" as strings)."""

    steps: list[Captured | str]

    def count(self) -> int:
        return sum(len(s.rows) for s in self.steps if isinstance(s, Captured))


def capture(engine: AsyncEngine) -> tuple[Capture, Any]:
    """Start recording everything ``engine`` executes; returns the capture and a function
    that stops recording."""
    taken = Capture([])
    sync = engine.sync_engine

    def on_execute(
        _c: Any, _cur: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        names = list(context.compiled.positiontup or []) if context.compiled is not None else []
        taken.steps.append(Captured(statement, names, list(params) if many else [params]))

    def on_begin(c: Any) -> None:
        if not autocommitting(c):
            taken.steps.append("BEGIN;")

    def on_commit(c: Any) -> None:
        if not autocommitting(c):
            taken.steps.append("COMMIT;")

    def on_rollback(c: Any) -> None:
        if not autocommitting(c):
            taken.steps.append("ROLLBACK;")

    hooks: list[tuple[str, Callable[..., Any]]] = [
        ("before_cursor_execute", on_execute),
        ("begin", on_begin),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, hook in hooks:
        event.listen(sync, name, hook)

    def stop() -> None:
        for name, hook in hooks:
            event.remove(sync, name, hook)

    return taken, stop


def autocommitting(connection: Any) -> bool:
    """Whether ``connection`` sends each statement as its own transaction (no BEGIN,
    COMMIT or ROLLBACK goes to the server, whatever SQLAlchemy's events say)."""
    return bool(connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, uuid.UUID):
        return f"'{value}'"
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def replay_script(taken: Capture, fresh: dict[str, str]) -> str:
    """A pgbench script replaying ``taken``. ``fresh`` maps a captured value's text (an id
    generated during the capture) to the name of a per-transaction id: each such value
    becomes ``md5(client || n || name)::uuid``, n random per transaction."""
    lines = ["\\set n random(1, 1000000000000000)"]

    def expression(name: str, value: Any, statement: str) -> str:
        text = str(value)
        if text in fresh:
            made = f"md5(:client_id || '-' || :n || '-{fresh[text]}')::uuid"
            return made if isinstance(value, uuid.UUID) else f"{made}::text"
        if "audit_event" in statement and statement.lstrip().upper().startswith("INSERT"):
            if name == "seq":
                return NEXT_SEQ
            if name in ("hash", "prev_hash"):
                return FRESH_HASH
        return _literal(value)

    for step in taken.steps:
        if isinstance(step, str):
            lines.append(step)
            continue
        for row in step.rows:
            values = dict(enumerate(row, start=1))
            names = step.names + [f"p{i}" for i in range(len(step.names) + 1, len(row) + 1)]

            def put(
                match: re.Match[str],
                values: dict[int, Any] = values,
                names: list[str] = names,
                statement: str = step.statement,
            ) -> str:
                index = int(match.group(1))
                return expression(names[index - 1], values[index], statement)

            sql = re.sub(r"\$(\d+)", put, step.statement)
            lines.append(" ".join(sql.split()) + ";")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Result:
    tps: float
    transactions: int
    failed: int


def run(url: str, script: str, directory: Path, clients: int = 64, seconds: int = 10) -> Result:
    """pgbench ``script`` on the database of ``url`` (``-n``: no vacuum of its own tables)."""
    target = make_url(url)
    path = directory / f"script-{uuid.uuid4().hex[:8]}.sql"
    path.write_text(script)
    argv = [
        PGBENCH,
        "-n",
        "-c",
        str(clients),
        "-j",
        "4",
        "-T",
        str(seconds),
        "-f",
        str(path),
        "-h",
        str(target.host),
        "-p",
        str(target.port),
        "-U",
        str(target.username),
        str(target.database),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    count = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if tps is None or count is None:
        raise RuntimeError(f"pgbench printed no tps: {done.stdout[-2000:]}")
    return Result(float(tps.group(1)), int(count.group(1)), int(failed.group(1)) if failed else 0)
