#!/usr/bin/env bash
# The full gate: formatting, lint, types and tests. Stops at the first failure.
# Extra arguments go to pytest, e.g. `bash scripts/check.sh -k audit -x`.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh
# shellcheck source=scripts/system.sh
source scripts/system.sh
# shellcheck source=scripts/node.sh
source scripts/node.sh

# step NAME COMMAND...: announce the step, run it, and stop with its exit code on failure.
step() {
    local name=$1
    shift
    echo "==> $name"
    local rc=0
    "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        if [ "$name" = pytest ] && [ "$rc" -eq 5 ]; then
            echo "FAILED: pytest collected no tests (exit 5)" >&2
        else
            echo "FAILED: $name (exit $rc)" >&2
        fi
        exit "$rc"
    fi
}

install_system_packages
setup_venv '.[test]'
compile_catalogues
install_node_packages

step "ruff format --check" .venv/bin/ruff format --check .
step "ruff check" .venv/bin/ruff check .

# mypy stops with an error on a directory without Python files, so only pass those with some.
mypy_dirs=()
for dir in exchange tests bench; do
    if [ -d "$dir" ] && [ -n "$(find "$dir" -name '*.py' -print -quit)" ]; then
        mypy_dirs+=("$dir")
    fi
done
step "mypy ${mypy_dirs[*]}" .venv/bin/mypy "${mypy_dirs[@]}"

# pytest's exit code 5 (no tests collected) is non-zero, so it fails the gate too.
step pytest .venv/bin/pytest -q "$@"

echo "==> all checks passed"
