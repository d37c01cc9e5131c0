"""Identifier validation and normal forms, without a database."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import isbn
from stdnum.exceptions import ValidationError

from exchange.catalogue.identifiers import display, normalize
from exchange.catalogue.models import IdentifierScheme
from exchange.errors import FieldError

PARTNER = uuid.UUID("0190b6a0-0000-7000-8000-000000000001")


def check(scheme: IdentifierScheme, raw: str) -> tuple[str | None, list[FieldError]]:
    errors: list[FieldError] = []
    return normalize(scheme, raw, "identifiers[0].value", errors, PARTNER), errors


@pytest.mark.parametrize(
    ("scheme", "raw", "stored"),
    [
        (IdentifierScheme.ISBN, "0-306-40615-2", "9780306406157"),
        (IdentifierScheme.ISBN, "978 0 306 40615 7", "9780306406157"),
        (IdentifierScheme.ISBN, "080442957X", "9780804429573"),
        (IdentifierScheme.ISSN, "03785955", "0378-5955"),
        (IdentifierScheme.ISSN, "2049-3630", "2049-3630"),
        (IdentifierScheme.DOI, "doi:10.1000/XYZ.123", "10.1000/xyz.123"),
        (IdentifierScheme.DOI, "https://doi.org/10.1000/xyz.123", "10.1000/xyz.123"),
        (IdentifierScheme.CALL_NUMBER, "  PL 907   .K56 ", f"{PARTNER}:PL 907 .K56"),
    ],
)
def test_valid_identifiers_are_stored_in_one_normal_form(
    scheme: IdentifierScheme, raw: str, stored: str
) -> None:
    assert check(scheme, raw) == (stored, [])


def test_isbn_10_and_isbn_13_of_one_book_are_equal() -> None:
    assert (
        check(IdentifierScheme.ISBN, "0306406152")[0]
        == check(IdentifierScheme.ISBN, "9780306406157")[0]
    )


@pytest.mark.parametrize(
    ("scheme", "raw", "code"),
    [
        (IdentifierScheme.ISBN, "0-306-40615-3", "invalid_check_digit"),
        (IdentifierScheme.ISBN, "978-0-306-40615-8", "invalid_check_digit"),
        (IdentifierScheme.ISSN, "0378-5954", "invalid_check_digit"),
        (IdentifierScheme.ISBN, "12345", "invalid_format"),
        (IdentifierScheme.ISSN, "abcd-efgh", "invalid_format"),
        (IdentifierScheme.DOI, "10.1/short-registrant", "invalid_format"),
        (IdentifierScheme.CALL_NUMBER, "   ", "invalid_format"),
    ],
)
def test_invalid_identifiers_are_field_errors(
    scheme: IdentifierScheme, raw: str, code: str
) -> None:
    stored, errors = check(scheme, raw)
    assert stored is None
    assert [(e.field, e.code) for e in errors] == [("identifiers[0].value", code)]


def test_display_forms() -> None:
    assert display("isbn", "9780306406157") == "978-0-306-40615-7"
    assert display("call_number", f"{PARTNER}:PL 907 .K56") == "PL 907 .K56"
    assert display("issn", "0378-5955") == "0378-5955"


@given(st.from_regex(r"97[89][0-9]{10}|[0-9]{13}|[0-9٠-٩]{13}", fullmatch=True))
def test_plain_isbn13s_take_a_shortcut_to_what_stdnum_would_say(text: str) -> None:
    fast: list[FieldError] = []
    stored = normalize(IdentifierScheme.ISBN, text, "isbn", fast, uuid.UUID(int=1))
    try:
        expected: str | None = isbn.to_isbn13(isbn.validate(text))
    except ValidationError:
        expected = None
    assert stored == expected
    assert (stored is None) == bool(fast)
