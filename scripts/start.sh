#!/usr/bin/env bash
# Install everything into .venv, load the demo data (once; it prints fresh demo tokens
# every time) and start the server. Settings come from EXCHANGE_* environment variables;
# by default the data lives in ./data (SQLite) and the server on http://127.0.0.1:8000/.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh
# shellcheck source=scripts/node.sh
source scripts/node.sh

setup_venv .
install_node_packages --omit=dev

echo "==> exchange demo"
.venv/bin/exchange demo

echo "==> exchange serve"
exec .venv/bin/exchange serve
