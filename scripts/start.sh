#!/usr/bin/env bash
# Install into .venv (only when pyproject.toml changed since the last install), migrate
# the database, load the demo data (once: its tokens are printed at the first load only;
# `exchange demo --tokens` prints fresh ones and revokes the earlier) and start the server.
# Settings come from EXCHANGE_* environment variables; by default the data lives in ./data
# (SQLite) and the server on http://127.0.0.1:8000/.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

setup_venv_once .

echo "==> exchange db upgrade"
.venv/bin/exchange db upgrade

echo "==> exchange demo"
.venv/bin/exchange demo

echo "==> exchange serve"
exec .venv/bin/exchange serve
