#!/usr/bin/env bash
# Install into .venv (only when pyproject.toml changed since the last install), then in one
# process: migrate the database, load the demo data (once: its tokens are printed at the
# first load only; `.venv/bin/exchange demo --tokens` prints fresh ones and revokes the
# earlier) and serve. Settings come from EXCHANGE_* environment variables; by default the
# data lives in ./data (SQLite) and the server on http://127.0.0.1:8000/.
# A restart with nothing changed is one interpreter start (bench/restart.py measures it).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh
# shellcheck source=scripts/node.sh
source scripts/node.sh

setup_venv_once .
compile_catalogues
install_node_packages --omit=dev
# Bytecode for the package, even where PYTHONDONTWRITEBYTECODE is set: without it every
# start compiles ~200 modules again (0.1-0.3 s; a no-op when they are up to date).
.venv/bin/python -m compileall -q exchange >/dev/null

echo "==> exchange serve --demo"
exec .venv/bin/exchange serve --demo
