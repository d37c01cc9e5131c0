#!/usr/bin/env bash
# Refresh the pages' message catalogues after changing a page or a domain message: extract
# every message from exchange (pages, and the domain's N_ templates and error constructors'
# literals), web/templates and the policies' annotations into web/locale/messages.pot,
# merge it into each language's .po (new messages arrive untranslated;
# tests/pages/test_catalogue.py names them), and compile. Translate in the .po files, then
# run this again.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k ngettext:1,2 \
    -k FieldError:3 -k single:3 -k Conflict:1 -k Unauthenticated:1 -k NotFound:1 \
    -k InsufficientQuantity:1 -k fail:3 \
    --no-location --omit-header --sort-output -o web/locale/messages.pot . >/dev/null 2>&1
.venv/bin/pybabel update -i web/locale/messages.pot -d web/locale -D messages \
    --no-fuzzy-matching --ignore-obsolete >/dev/null
.venv/bin/pybabel compile -d web/locale -D messages --statistics
