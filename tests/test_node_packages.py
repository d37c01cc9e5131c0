"""``scripts/node.sh``'s ``install_node_packages``: ``npm ci`` only when the lock file or
the install's arguments changed, and never to shrink a full install (check.sh's, with the
test tools) to the runtime packages start.sh asks for. A fake npm on ``PATH`` writes down
each call (no network), as ``test_start_script`` does for pip."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

NODE_SH = Path(__file__).resolve().parents[1] / "scripts" / "node.sh"
FULL = "npm ci --no-audit --no-fund"


def make_project(root: Path) -> Path:
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "npm").write_text('#!/bin/sh\nmkdir -p node_modules\necho "npm $*" >> npm.log\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return root / "npm.log"


def install(root: Path, *args: str) -> None:
    script = f'set -euo pipefail; source "{NODE_SH}"; install_node_packages {" ".join(args)}'
    path = f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"
    subprocess.run(["bash", "-c", script], cwd=root, env={**os.environ, "PATH": path}, check=True)


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_a_full_install_is_kept_when_start_asks_for_the_runtime_packages(tmp_path: Path) -> None:
    log = make_project(tmp_path)
    install(tmp_path)
    assert calls(log) == [FULL]
    install(tmp_path, "--omit=dev")  # start.sh after check.sh: axe-core, s3rver stay
    install(tmp_path)
    assert calls(log) == [FULL]


def test_npm_ci_runs_for_more_packages_or_another_lock_file(tmp_path: Path) -> None:
    log = make_project(tmp_path)
    install(tmp_path, "--omit=dev")
    install(tmp_path, "--omit=dev")
    assert calls(log) == [f"{FULL} --omit=dev"]
    install(tmp_path)  # check.sh after start.sh: the test tools are missing
    assert calls(log) == [f"{FULL} --omit=dev", FULL]
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3, "packages": {}}\n')
    install(tmp_path, "--omit=dev")
    assert calls(log)[-1] == f"{FULL} --omit=dev"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = tmp_path / "node_modules" / ".package-lock.sha256"
    assert stamp.read_text() == f"{digest} --omit=dev\n"
