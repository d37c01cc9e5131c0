# Sourced by check.sh (not run): installs the Debian packages the tests need when missing.
# As root it installs them; otherwise it uses sudo when available, or prints the command.

# The PostgreSQL tests start a throwaway server from Debian's binaries
# (tests/servers/postgres.py); the page tests drive Debian's Chromium through Playwright
# (never `playwright install`, which cannot download here); Debian's python3 needs
# python3-venv before `python3 -m venv` works. The storage contract also runs against
# s3rver, an npm package run by Debian's nodejs (tests/servers/s3rver.py).
install_system_packages() {
    local missing=()
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        missing+=(postgresql)
    fi
    if ! command -v chromium >/dev/null 2>&1; then
        missing+=(chromium chromium-driver)
    fi
    if ! command -v node >/dev/null 2>&1; then
        missing+=(nodejs)
    fi
    if ! command -v npm >/dev/null 2>&1; then
        missing+=(npm)
    fi
    if ! compgen -G '/usr/share/fonts/truetype/nanum/*' >/dev/null; then  # Hangul in screenshots
        missing+=(fonts-nanum)
    fi
    if ! command -v ffmpeg >/dev/null 2>&1; then  # the demo lecture's video is made with it
        missing+=(ffmpeg)
    fi
    if ! command -v xmllint >/dev/null 2>&1; then  # the OAI-PMH tests validate with it
        missing+=(libxml2-utils)
    fi
    local probe
    probe=$(mktemp -d)
    if ! python3 -m venv "$probe/venv" >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
    rm -rf "$probe"
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "The tests need: ${missing[*]}. Install them with:" >&2
            echo "    apt-get install ${missing[*]}" >&2
            exit 1
        fi
    fi
    echo "==> apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
}
