# Shared by check.sh and start.sh (sourced, not run): makes sure .venv exists and holds
# the project. Expects to be sourced from the repository root with `set -euo pipefail`.

# Debian's python3 cannot create virtual environments until python3-venv is installed;
# `python3 -m venv` then fails and leaves a half-made directory behind.
install_python3_venv() {
    if [ "$(id -u)" -eq 0 ]; then
        echo "==> apt-get install python3-venv (python3 -m venv does not work yet)"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
    else
        echo "python3 -m venv failed; install the venv module first:" >&2
        echo "    sudo apt-get install python3-venv" >&2
        exit 1
    fi
}

# setup_venv PIP_SPEC: create .venv if it is missing or broken, then install PIP_SPEC
# (for example '.[test]') into it as an editable install.
setup_venv() {
    local spec=$1
    if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/pip ]; then
        echo "==> python3 -m venv .venv"
        rm -rf .venv
        if ! python3 -m venv .venv; then
            rm -rf .venv
            install_python3_venv
            python3 -m venv .venv
        fi
    fi
    echo "==> pip install -e '$spec'"
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e "$spec"
}

# compile_catalogues: the pages' gettext catalogues (web/locale/*/LC_MESSAGES/*.po) to the
# .mo files the server reads, when a .po is newer than its .mo; run by start.sh and
# check.sh after the install, never by the running server.
compile_catalogues() {
    local po stale=0
    for po in web/locale/*/LC_MESSAGES/*.po; do
        if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then stale=1; fi
    done
    if [ "$stale" -eq 1 ]; then
        echo "==> pybabel compile -d web/locale"
        .venv/bin/pybabel compile -d web/locale -D messages 2>/dev/null
    fi
}

# setup_venv_once PIP_SPEC: setup_venv, skipped when .venv holds an install of the same
# pyproject.toml (and lock file, if any): their SHA-256 is kept in .venv/.installed-from.
setup_venv_once() {
    local spec=$1 stamp=.venv/.installed-from wanted
    local file files=(pyproject.toml)
    for file in uv.lock requirements.lock; do
        if [ -f "$file" ]; then files+=("$file"); fi
    done
    wanted=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
    if [ -x .venv/bin/exchange ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        echo "==> .venv is up to date with pyproject.toml"
        return
    fi
    setup_venv "$spec"
    echo "$wanted" > "$stamp"
}
