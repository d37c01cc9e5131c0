#!/usr/bin/env bash
# Every benchmark under bench/ in quick mode, one after the other; writes bench/RESULTS.md
# (the machine, then a row per figure with its reference and ratio). bench/collect.py does
# the work; arguments go to it, e.g. `bash scripts/bench.sh --only startup,sync`.
# Takes about 15 minutes on the 2-core development machine; outputs in bench/results/.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

setup_venv_once '.[test]'
compile_catalogues
exec .venv/bin/python bench/collect.py "$@"
