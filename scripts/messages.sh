#!/usr/bin/env bash
# Refresh the pages' message catalogues after changing a page: extract every message from
# exchange/pages and web/templates into web/locale/messages.pot, merge it into each
# language's .po (new messages arrive untranslated; tests/pages/test_catalogue.py names
# them), and compile. Translate in the .po files, then run this again.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k ngettext:1,2 \
    --no-location --omit-header --sort-output -o web/locale/messages.pot . >/dev/null 2>&1
.venv/bin/pybabel update -i web/locale/messages.pot -d web/locale -D messages \
    --no-fuzzy-matching --ignore-obsolete >/dev/null
.venv/bin/pybabel compile -d web/locale -D messages --statistics
