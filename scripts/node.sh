# Sourced by start.sh and check.sh (not run): Debian's nodejs and npm, and the npm packages
# of package.json exactly as package-lock.json pins them. The server serves some of them
# itself (GraphiQL), since the instances it runs on are often offline; the tests run others.

# ensure_node: install Debian's nodejs and npm when missing (as root, or through sudo).
ensure_node() {
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "Node.js is needed: apt-get install nodejs npm" >&2
            exit 1
        fi
    fi
    echo "==> apt-get install nodejs npm"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends nodejs npm </dev/null
}

# install_node_packages [NPM_CI_ARGS...]: `npm ci` when node_modules is missing or was
# installed from another lock file or with other arguments (a stamp records both). A full
# install (no arguments: what check.sh makes) already holds what `--omit=dev` asks for,
# so start.sh keeps it rather than wiping the test tools (axe-core, s3rver) from it.
install_node_packages() {
    ensure_node
    local stamp=node_modules/.package-lock.sha256
    local lock wanted installed=""
    lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
    wanted="$lock $*"
    [ -f "$stamp" ] && installed="$(cat "$stamp")"
    if [ "$installed" = "$wanted" ]; then
        return 0
    fi
    if [ "$*" = "--omit=dev" ] && [ "$installed" = "$lock " ]; then
        return 0
    fi
    echo "==> npm ci $*"
    npm ci --no-audit --no-fund "$@" </dev/null
    echo "$wanted" >"$stamp"
}
