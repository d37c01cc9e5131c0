"""Checks and normal forms for partner input."""

from __future__ import annotations

import functools
import re

import pycountry

from exchange import text
from exchange.errors import FieldError
from exchange.folding import fold
from exchange.messages import N_

LANG_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:-([a-zA-Z]{4}))?(?:-([a-zA-Z]{2}|[0-9]{3}))?$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
MAX_NAME = text.MAX_NAME
MAX_TAG = 50
MAX_NAMES = 12
MAX_TAGS = 20


def language_tag(raw: str, field: str, errors: list[FieldError]) -> str:
    """Normalise a BCP 47 tag of language[-Script][-REGION], e.g. ``ko-hang`` -> ``ko-Hang``."""
    tag, problems = _language_tag(raw)
    errors.extend(FieldError(field, code, message) for code, message in problems)
    return tag


@functools.lru_cache(maxsize=1024)
def _language_tag(raw: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The normal form and (code, message) problems of a tag: a pure function of the text,
    kept because a large import asks for the same few tags on every record."""
    match = LANG_TAG.match(raw.strip())
    if not match:
        return raw, (
            (
                "invalid_language",
                N_("{raw} is not a language tag such as en or ko-Hang", raw=repr(raw)),
            ),
        )
    problems: list[tuple[str, str]] = []
    language, script, region = match.groups()
    language = language.lower()
    found = (
        pycountry.languages.get(alpha_2=language)
        if len(language) == 2
        else pycountry.languages.get(alpha_3=language)
    )
    if found is None:
        problems.append(
            (
                "unknown_language",
                N_("{language} is not an ISO 639 language", language=repr(language)),
            )
        )
    if script and pycountry.scripts.get(alpha_4=script.title()) is None:
        problems.append(
            ("unknown_script", N_("{script} is not an ISO 15924 script", script=repr(script)))
        )
    parts = [language]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts), tuple(problems)


def names(raw: list[tuple[str, str]], errors: list[FieldError]) -> list[dict[str, str]]:
    if not raw:
        errors.append(FieldError("names", "required", "at least one name is required"))
        return []
    if len(raw) > MAX_NAMES:
        errors.append(
            FieldError("names", "too_many", N_("at most {max_names} names", max_names=MAX_NAMES))
        )
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, (lang, value) in enumerate(raw):
        tag = language_tag(lang, f"names[{index}].lang", errors)
        name = " ".join(text.check(value, f"names[{index}].value", errors, limit=MAX_NAME).split())
        if not name:
            errors.append(FieldError(f"names[{index}].value", "required", "a name cannot be empty"))
        if tag in seen:
            errors.append(
                FieldError(
                    f"names[{index}].lang", "duplicate", N_("a second name in {tag}", tag=tag)
                )
            )
        seen.add(tag)
        result.append({"lang": tag, "value": name})
    return result


def country(raw: str, errors: list[FieldError]) -> str:
    code = raw.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        errors.append(
            FieldError(
                "country",
                "invalid_country",
                N_("{raw} is not an ISO 3166-1 alpha-2 code", raw=repr(raw)),
            )
        )
    return code


def tags(raw: list[str], errors: list[FieldError]) -> list[str]:
    if len(raw) > MAX_TAGS:
        errors.append(
            FieldError("tags", "too_many", N_("at most {max_tags} tags", max_tags=MAX_TAGS))
        )
    result: set[str] = set()
    for index, tag in enumerate(raw):
        found = len(errors)
        value = text.check(tag, f"tags[{index}]", errors, limit=MAX_TAG).strip().lower()
        if len(errors) == found and not TAG.match(value):
            errors.append(
                FieldError(
                    f"tags[{index}]",
                    "invalid_tag",
                    "tags are lower-case letters, digits and hyphens, at most 50",
                )
            )
        result.add(value)
    return sorted(result)


def search_text(normalized_names: list[dict[str, str]]) -> str:
    """The names as the directory's search matches them: folded as the catalogue folds
    (``exchange.folding.fold``), one name a line."""
    return "\n".join(fold(n["value"]) for n in normalized_names)


def search_term(raw: str) -> str | None:
    """A search typed by someone, folded like the names it is matched against and
    whitespace-normalized; None when there is nothing to search for."""
    term = " ".join(fold(raw).split())
    return term or None
