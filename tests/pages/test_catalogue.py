"""Every message the pages can show is in the Korean catalogue, translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from exchange.pages.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("exchange/pages/**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={}
    ):
        found.update([message] if isinstance(message, str) else message)
    return found


def test_every_page_message_has_a_korean_translation() -> None:
    with (ROOT / "web/locale/ko/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id and m.string}
    shown = _messages()
    assert len(shown) > 40
    missing = sorted(message for message in shown if message not in translated)
    assert missing == [], "run pybabel extract/update and translate these"


def test_the_server_reads_every_translation_from_the_compiled_catalogue() -> None:
    with (ROOT / "web/locale/ko/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    assert not catalogue.fuzzy, "pybabel compile skips a catalogue whose header is fuzzy"
    compiled = translations("ko")  # the .mo that the install compiled (scripts/venv.sh)
    stale = [
        m.id
        for m in catalogue
        if isinstance(m.id, str) and m.id and compiled.gettext(m.id) != m.string
    ]
    assert stale == [], "the compiled catalogue is older than the .po: run pybabel compile"
