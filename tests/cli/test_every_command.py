"""Every command group runs in a fresh interpreter as far as the database, and the metadata
of ``exchange.runtime`` alone names every table a foreign key points to.

The CLI imports a command's module only when it runs, so a command whose module did not
import some model (``objects get``: no identity models, ``fixity check``: no catalogue or
seminar models) failed with ``NoReferencedTableError`` and exit 1 -- in-process tests,
where every model had long been imported, never saw it. Each invocation here is cheap and
real: an id that does not exist (exit 3), a partner that does not exist (a field error,
exit 2) or an empty listing (exit 0); then the trial's own examples, on a stored object.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from exchange.cli.main import COMMANDS
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.cli_runner import environment, invoke
from tests.conftest import World
from tests.objects.scene import PDF, build_scene

EXCHANGE = Path(sys.executable).with_name("exchange")
MISSING = str(uuid.UUID(int=1))

# group -> (arguments after the group, expected exit code); "{out}" is a file to write.
# ``demo`` and ``serve`` are left out: the first loads the whole demo (tests/demo runs it),
# the second serves forever (bench/startup.py and tests/test_app start it).
INVOCATIONS: dict[str, tuple[tuple[str, ...], int]] = {
    "account": (
        ("create", "--email", "a@example.org", "--name", "A", "--partner", MISSING,
         "--role", "admin"),
        3,
    ),
    "allocation": (
        ("create", "--offer-line", MISSING, "--request-line", MISSING, "--quantity", "1"), 3
    ),
    "audit": (("verify",), 0),
    "catalogue": (("export", "{out}", "--format", "dc"), 0),
    "db": (("upgrade",), 0),
    "fixity": (("check",), 0),
    "keys": (("revoke", "no-such-kid"), 3),
    "manifest": (("verify", "{out}"), 2),
    "objects": (("get", MISSING, "{out}"), 3),
    "offer": (("create", "--partner", MISSING, "--work", MISSING, "--quantity", "1"), 2),
    "partner": (
        ("create", "--name", "en=Library", "--country", "KP", "--kind", "national_library"),
        0,
    ),
    "peers": (("list",), 0),
    "report": (("usage", "--from", "2026-01-01", "--to", "2026-01-02"), 0),
    "request": (("create", "--partner", MISSING, "--work", MISSING, "--quantity", "1"), 2),
    "schema": (("export", "{out}"), 0),
    "shipment": (("show", MISSING), 3),
    "sync": (("export", "--peer", MISSING, "{out}"), 3),
    "token": (("create", "--email", "nobody@example.org"), 3),
    "work": (("create", "--partner", MISSING, "--title", "T"), 3),
}  # fmt: skip

# More paths into modules that the group's first invocation does not reach.
MORE: list[tuple[tuple[str, ...], int]] = [
    (("fixity", "check", "--sample", "3"), 0),
    (("objects", "gc"), 0),
    (("shipment", "act", MISSING, "cancel"), 3),
    (("sync", "status"), 0),
    (("sync", "proposals"), 0),
]


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
    env |= environment(settings)
    return subprocess.run(
        [str(EXCHANGE), *args], env=env, capture_output=True, text=True, check=False
    )


def test_every_group_but_demo_and_serve_has_an_invocation() -> None:
    assert set(COMMANDS) - set(INVOCATIONS) == {"demo", "serve"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("args", "code"),
    [((group, *args), code) for group, (args, code) in INVOCATIONS.items()] + MORE,
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
async def test_each_command_reaches_the_database_in_a_fresh_interpreter(
    settings: Settings, runtime: Runtime, tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    out = tmp_path / "out"
    if "manifest" in args:
        out.write_text("{}")  # not a manifest: refused as bad input, after reading it
    done = run(settings, *(str(out) if a == "{out}" else a for a in args))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (done.stdout, done.stderr)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_objects_get_and_fixity_check_of_a_stored_object_in_a_fresh_interpreter(
    settings: Settings, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    """The trial: ``objects get`` (records a download: ``download.account_id``) and
    ``fixity check`` with and without ``--sample`` answered NoReferencedTableError."""
    scene = await build_scene(runtime, world)
    source = tmp_path / "slides.pdf"
    source.write_bytes(PDF)
    put = await invoke(
        settings, "objects", "put", str(source), "--work", str(scene.work_id),
        "--partner", str(scene.national), "--licence", "CC-BY-4.0",
    )  # fmt: skip
    assert put.exit_code == 0, put.output
    object_id = put.output.strip().splitlines()[-1].split("\t")[0]

    got = run(settings, "objects", "get", object_id, str(tmp_path / "copy.pdf"))
    assert (got.returncode, got.stderr) == (0, "")
    assert (tmp_path / "copy.pdf").read_bytes() == PDF
    for sample in ((), ("--sample", "3")):
        checked = run(settings, "fixity", "check", *sample)
        assert (checked.returncode, checked.stdout, checked.stderr) == (
            0,
            "checked 1: 1 ok, 0 changed, 0 missing\n",
            "",
        )


SCRIPT = """
import importlib, pkgutil
import exchange, exchange.runtime
from sqlmodel import SQLModel
md = SQLModel.metadata
md.sorted_tables
for table in md.tables.values():
    for fk in table.foreign_keys:
        fk.column  # NoReferencedTableError if the table it names is not registered
print(len(md.tables))
for module in pkgutil.walk_packages(exchange.__path__, "exchange."):
    if not module.name.startswith("exchange.db.migrations"):
        importlib.import_module(module.name)
print(len(md.tables))
"""


def test_the_runtime_alone_registers_every_table_a_foreign_key_names() -> None:
    """After ``import exchange.runtime`` every foreign key resolves, and importing every
    other module of the package adds no table (a new models module must be listed in
    ``exchange.db.metadata``)."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    first, everything = done.stdout.split()
    assert first == everything
    assert int(first) >= 39
