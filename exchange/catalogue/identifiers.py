"""Validation and normal forms of work identifiers (python-stdnum for the check digits).

ISBN-10 and ISBN-13 of one book normalize to the same ISBN-13; ISSNs to ``NNNN-NNNC``;
DOIs (case-insensitive by definition) to lower case without ``doi:`` or resolver prefix;
call numbers and invalid ISBNs (MARC 020 $z) to single-spaced text, stored behind the id
of their work: neither identifies a work (see ``catalogue.formats.matching``).
"""

from __future__ import annotations

import re
import uuid
from typing import Protocol

from exchange.catalogue.models import IdentifierScheme
from exchange.errors import FieldError, message_style
from exchange.messages import N_

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# An ISBN as cataloguers write it: the number, then terms of availability or a qualifier
# ("0192553356 :", "0192547011 (v1)", "9780306406157 (pbk.)"; MARC 21 020 $a and $q).
QUALIFIED = re.compile(r"^\s*([0-9Xx](?:[0-9Xx -]*[0-9Xx])?)(.*)$", re.DOTALL)
MAX_QUALIFIER = 100
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
MAX_CALL_NUMBER = 100
# python-stdnum's messages as ``message_style`` gives them, marked for the pages' catalogue.
STDNUM_MESSAGES = (
    N_("the number has an invalid format"),
    N_("the number's checksum or check digit is invalid"),
    N_("the number has an invalid length"),
    N_("one of the parts of the number are invalid or unknown"),
)


# python-stdnum is imported where it is used: its ``stdnum.util`` imports ``pydoc``, a tenth
# of a second at every start of ``exchange serve`` for a module most requests never need.


class _Validator(Protocol):
    """A python-stdnum number module (``stdnum.isbn``, ``stdnum.issn``)."""

    def validate(self, number: str) -> str: ...


def _check(module: _Validator, raw: str, field: str, errors: list[FieldError]) -> str | None:
    from stdnum.exceptions import InvalidChecksum, ValidationError

    try:
        return str(module.validate(raw))
    except InvalidChecksum:
        errors.append(FieldError(field, "invalid_check_digit", "the check digit is wrong"))
    except ValidationError as error:
        errors.append(FieldError(field, "invalid_format", message_style(str(error))))
    return None


def split_isbn(raw: str) -> tuple[str, str | None]:
    """(number, qualifier) of an ISBN as written: ``"0192547011 (v1)"`` -> ("0192547011",
    "v1"), ``"0192553356 :"`` -> ("0192553356", None)."""
    match = QUALIFIED.match(raw)
    if match is None:
        return raw.strip(), None
    qualifier = match.group(2).strip(" :;,.()[]\t")[:MAX_QUALIFIER] or None
    return match.group(1).replace(" ", ""), qualifier


def qualifier(scheme: IdentifierScheme, raw: str) -> str | None:
    """What follows the number of an ISBN (None for other schemes)."""
    return split_isbn(raw)[1] if scheme is IdentifierScheme.ISBN else None


def _plain_isbn13(text: str) -> bool:
    """Whether ``text`` is already a valid ISBN-13 in normal form (13 digits, a 978 or 979
    prefix, the EAN-13 check digit right): what stdnum would return unchanged."""
    if len(text) != 13 or not (text.isascii() and text.isdigit()):
        return False
    if not text.startswith(("978", "979")):
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(text[:12]))
    return (10 - total % 10) % 10 == int(text[12])


def normalize(
    scheme: IdentifierScheme,
    raw: str,
    field: str,
    errors: list[FieldError],
    scope: uuid.UUID,
) -> str | None:
    """The stored form of an identifier, or None with a FieldError appended. ``scope``
    (the work's id) prefixes the schemes that identify nothing; an ISBN's qualifier is
    left out (``qualifier`` gives it)."""
    text = raw.strip()
    if scheme is IdentifierScheme.ISBN:
        if not _plain_isbn13(text):
            text = split_isbn(text)[0]
        if _plain_isbn13(text):  # most records: no need for stdnum's general parsing
            return text
        from stdnum import isbn

        valid = _check(isbn, text, field, errors)
        return None if valid is None else isbn.to_isbn13(valid)
    if scheme is IdentifierScheme.ISSN:
        from stdnum import issn

        valid = _check(issn, text, field, errors)
        return None if valid is None else issn.format(valid)
    if scheme is IdentifierScheme.DOI:
        lowered = text.lower()
        for prefix in DOI_PREFIXES:
            lowered = lowered.removeprefix(prefix)
        if not DOI.match(lowered) or len(lowered) > 250:
            errors.append(FieldError(field, "invalid_format", "a DOI looks like 10.1234/abc"))
            return None
        return lowered
    local = " ".join(text.split())
    if not local or len(local) > MAX_CALL_NUMBER:
        errors.append(
            FieldError(
                field,
                "invalid_format",
                N_("1 to {max_call_number} characters", max_call_number=MAX_CALL_NUMBER),
            )
        )
        return None
    return f"{scope}:{local}"


def valid_isbn(text: str) -> str | None:
    """The ISBN-13 of a valid ISBN (10 or 13, hyphens allowed), else None."""
    if _plain_isbn13(text):
        return text
    from stdnum import isbn

    return isbn.to_isbn13(isbn.compact(text)) if isbn.is_valid(text) else None


def display(scheme: str, value: str) -> str:
    """The identifier as people write it (hyphenated ISBN, call number without its scope)."""
    if scheme == IdentifierScheme.ISBN:
        from stdnum import isbn

        return str(isbn.format(value))
    if scheme in (IdentifierScheme.CALL_NUMBER, IdentifierScheme.INVALID_ISBN):
        return value.partition(":")[2]
    return value


def written(scheme: str, value: str, qualifier: str | None) -> str:
    """The identifier as a draft holds it: shown, with an ISBN's qualifier after it."""
    shown = display(scheme, value)
    return shown if qualifier is None else f"{shown} ({qualifier})"
