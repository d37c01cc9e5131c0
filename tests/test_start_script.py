"""``scripts/venv.sh``'s ``setup_venv_once``: pip runs only when pyproject.toml changed.
A fake .venv whose pip writes down each call stands in for the real one (no network)."""

from __future__ import annotations

import subprocess
from pathlib import Path

VENV_SH = Path(__file__).resolve().parents[1] / "scripts" / "venv.sh"


def make_project(root: Path) -> Path:
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n')
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "exchange"):
        (bin_dir / name).write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "pip").write_text('#!/bin/sh\necho "pip $*" >> "$(dirname "$0")/../../pip.log"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return root / "pip.log"


def start(root: Path) -> str:
    script = f'set -euo pipefail; source "{VENV_SH}"; setup_venv_once .'
    done = subprocess.run(
        ["bash", "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_pip_runs_at_the_first_start_and_after_pyproject_changes_only(tmp_path: Path) -> None:
    pip_log = make_project(tmp_path)
    assert start(tmp_path) == "==> pip install -e '.'\n"
    installs = ["pip install -q --upgrade pip", "pip install -q -e ."]
    assert pip_log.read_text().splitlines() == installs

    assert start(tmp_path) == "==> .venv is up to date with pyproject.toml\n"
    assert pip_log.read_text().splitlines() == installs

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "2"\n')
    assert start(tmp_path) == "==> pip install -e '.'\n"
    assert pip_log.read_text().splitlines() == installs * 2
    assert start(tmp_path) == "==> .venv is up to date with pyproject.toml\n"
