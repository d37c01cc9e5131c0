"""Languages as files write them, read into the catalogue's ISO 639 code.

- MARC 008/35-37 and 041 $a hold MARC language codes. Most are ISO 639-2/B; the MARC Code
  List for Languages also keeps discontinued codes that old records still carry (``scr``
  Serbo-Croatian (Roman), ``esp`` Esperanto, ...): ``OBSOLETE`` maps each to the code that
  replaced it, as that list's "Discontinued codes" section says. No library we know of
  carries that section (pycountry and langcodes know ISO 639 only).
- Dublin Core ``dc:language`` holds anything: BCP 47 tags (``en-US``, RFC 5646), the
  ``en_US`` that DSpace writes, or words such as ``other``. langcodes parses the tags; the
  language subtag is what the catalogue matches on, the whole tag is kept for display
  (on the titles).

Whatever cannot be read becomes ``und`` (ISO 639-2 "undetermined") with a warning.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import langcodes
import pycountry

UNDETERMINED = "und"

# MARC Code List for Languages, discontinued codes -> current codes
# (https://www.loc.gov/marc/languages/, section "Obsolete codes").
OBSOLETE = {
    "ajm": "spa",  # Aljamía -> the language written (usually Spanish)
    "cam": "khm",  # Khmer
    "esk": "esx",  # Eskimo languages -> Eskimo-Aleut
    "esp": "epo",  # Esperanto
    "eth": "gez",  # Ethiopic
    "far": "fao",  # Faroese
    "fri": "fry",  # Frisian
    "gae": "gla",  # Scottish Gaelic
    "gag": "glg",  # Galician
    "gal": "orm",  # Oromo
    "gua": "grn",  # Guarani
    "int": "ina",  # Interlingua
    "iri": "gle",  # Irish
    "kus": "kos",  # Kusaie -> Kosraean
    "lan": "oci",  # Occitan
    "lap": "smi",  # Sami
    "max": "glv",  # Manx
    "mla": "mlg",  # Malagasy
    "mol": "rum",  # Moldavian -> Romanian
    "sao": "smo",  # Samoan
    "scc": "srp",  # Serbian
    "scr": "hrv",  # Serbo-Croatian (Roman) -> Croatian
    "sho": "sna",  # Shona
    "snh": "sin",  # Sinhalese
    "sso": "sot",  # Sotho
    "swz": "ssw",  # Swazi
    "tag": "tgl",  # Tagalog
    "taj": "tgk",  # Tajik
    "tar": "tat",  # Tatar
    "tru": "chk",  # Truk -> Chuukese
    "tsw": "tsn",  # Tswana
}


@dataclass(frozen=True, slots=True)
class Read:
    """``code``: ISO 639 (2 letters where one exists) for matching; ``tag``: the tag to
    show (the region and script kept), None when it says no more than ``code``;
    ``warning``: what was changed, None when nothing was."""

    code: str
    tag: str | None = None
    warning: str | None = None


def _iso(code: str) -> str | None:
    found = None
    if len(code) == 2:
        found = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    if found is None:
        return None
    return str(getattr(found, "alpha_2", None) or found.alpha_3)


@functools.lru_cache(maxsize=1024)
def marc(raw: str) -> Read:
    """A MARC language code (008/35-37, 041 $a; also UNIMARC 101 $a, which uses ISO 639-2)."""
    code = raw.strip().lower()
    if not code or set(code) <= {"|", " ", "#"}:
        return Read(UNDETERMINED)
    if (found := _iso(code)) is not None:
        return Read(found)
    if code in OBSOLETE:
        current = _iso(OBSOLETE[code])
        assert current is not None, code  # the table holds ISO 639-2 codes only
        return Read(current, None, f"language: obsolete MARC code {code!r} read as {current!r}")
    return Read(UNDETERMINED, None, f"language: unknown code {raw!r} read as 'und'")


@functools.lru_cache(maxsize=1024)
def bcp47(raw: str) -> Read:
    """A language as Dublin Core writes it: a BCP 47 tag, ``en_US``, or an ISO 639 code."""
    text = raw.strip()
    plain = marc(text) if len(text) in (2, 3) and text.isalpha() else None
    if plain is not None and plain.code != UNDETERMINED:
        return plain
    try:
        parsed = langcodes.Language.get(text.replace("_", "-"), normalize=True)
    except (ValueError, LookupError):
        return Read(UNDETERMINED, None, f"language: {raw!r} is no language tag; read as 'und'")
    code = _iso(parsed.language or "")
    if code is None:
        return Read(UNDETERMINED, None, f"language: {raw!r} is no known language; read as 'und'")
    shown = parsed.to_tag()
    return Read(code, shown if shown != code else None)
