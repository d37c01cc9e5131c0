"""Validation and normal forms of work identifiers (python-stdnum for the check digits).

ISBN-10 and ISBN-13 of one book normalize to the same ISBN-13; ISSNs to ``NNNN-NNNC``;
DOIs (case-insensitive by definition) to lower case without ``doi:`` or resolver prefix;
local call numbers to single-spaced text, stored behind the id of the partner that
assigned them, because call numbers are local to a library.
"""

from __future__ import annotations

import re
import uuid

from stdnum import isbn, issn
from stdnum.exceptions import InvalidChecksum, ValidationError

from exchange.catalogue.models import IdentifierScheme
from exchange.errors import FieldError, message_style

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
MAX_CALL_NUMBER = 100


def _check(module: object, raw: str, field: str, errors: list[FieldError]) -> str | None:
    try:
        return str(module.validate(raw))  # type: ignore[attr-defined]
    except InvalidChecksum:
        errors.append(FieldError(field, "invalid_check_digit", "the check digit is wrong"))
    except ValidationError as error:
        errors.append(FieldError(field, "invalid_format", message_style(str(error))))
    return None


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
    partner_id: uuid.UUID,
) -> str | None:
    """The stored form of an identifier, or None with a FieldError appended."""
    text = raw.strip()
    if scheme is IdentifierScheme.ISBN:
        if _plain_isbn13(text):  # most records: no need for stdnum's general parsing
            return text
        valid = _check(isbn, text, field, errors)
        return None if valid is None else isbn.to_isbn13(valid)
    if scheme is IdentifierScheme.ISSN:
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
    call_number = " ".join(text.split())
    if not call_number or len(call_number) > MAX_CALL_NUMBER:
        errors.append(FieldError(field, "invalid_format", f"1 to {MAX_CALL_NUMBER} characters"))
        return None
    return f"{partner_id}:{call_number}"


def display(scheme: str, value: str) -> str:
    """The identifier as people write it (hyphenated ISBN, call number without its scope)."""
    if scheme == IdentifierScheme.ISBN:
        return str(isbn.format(value))
    if scheme == IdentifierScheme.CALL_NUMBER:
        return value.partition(":")[2]
    return value
