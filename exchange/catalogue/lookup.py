"""Identifiers typed into the search box, found through the identifier index.

People paste identifiers as they see them: the hyphenated ISBN-13 the API itself shows
(``978-0-201-61622-4``), an ISBN-10 with or without hyphens (the same book as its ISBN-13),
``isbn:``/``ISBN ``/``urn:isbn:`` prefixes, an ISSN with or without its hyphen, a DOI bare
(``10.1000/xyz``), as ``doi:10.1000/xyz`` or as a resolver URL, in any case. Full-text
search cuts all of these into words and finds nothing. So a search is read once as an
identifier too (``recognize``), normalized by the very rules that store identifiers
(``identifiers.normalize``: python-stdnum's check digits, ISBN-10 to ISBN-13, the ISSN's
hyphen, the DOI lower-cased without its resolver), and looked up in ``work_identifier``
by its unique (scheme, value) index.

Combined with the text search (``combined``): a work the identifier names ranks before
every text match, and once; the text matches follow, as a search that merely looks like
an identifier (a year range, a number in a title) finds what it always found. Searches
without a digit are never identifiers and cost nothing here.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from exchange.catalogue import identifiers
from exchange.catalogue.models import IdentifierScheme, WorkIdentifier
from exchange.db.table import table

Identifier = tuple[IdentifierScheme, str]

SCHEMES: tuple[IdentifierScheme, ...] = (
    IdentifierScheme.ISBN,
    IdentifierScheme.ISSN,
    IdentifierScheme.DOI,
)
# What may precede an identifier, longest first where one begins another; a separator
# (space or colon) after a bare scheme name is dropped with it.
PREFIXES: tuple[tuple[str, IdentifierScheme], ...] = (
    ("urn:isbn:", IdentifierScheme.ISBN),
    ("isbn-13", IdentifierScheme.ISBN),
    ("isbn-10", IdentifierScheme.ISBN),
    ("isbn13", IdentifierScheme.ISBN),
    ("isbn10", IdentifierScheme.ISBN),
    ("isbn", IdentifierScheme.ISBN),
    ("urn:issn:", IdentifierScheme.ISSN),
    ("issn", IdentifierScheme.ISSN),
    ("https://doi.org/", IdentifierScheme.DOI),
    ("http://doi.org/", IdentifierScheme.DOI),
    ("https://dx.doi.org/", IdentifierScheme.DOI),
    ("http://dx.doi.org/", IdentifierScheme.DOI),
    ("doi.org/", IdentifierScheme.DOI),
    ("info:doi/", IdentifierScheme.DOI),
    ("doi", IdentifierScheme.DOI),
)
# The score of a work an identifier names: below any text score (SQLite's are above
# -2.2 a term, at most 100 terms in a query of 200 characters; PostgreSQL's above -1).
IDENTIFIED = -1.0e6
_NO_PARTNER = uuid.UUID(int=0)  # normalize scopes call numbers only, never searched here


def recognize(raw: str) -> tuple[Identifier, ...]:
    """The identifiers a search can be read as, in their stored forms: none, or one of
    ISBN-13, ISSN (``NNNN-NNNC``) or DOI (lower case). A scheme prefix limits the reading
    to that scheme; without one every scheme is tried (an 8-character number may be an
    ISSN, a 10- or 13-digit one an ISBN; check digits decide). Raises nothing."""
    text = raw.strip()
    if not any(c.isdigit() for c in text):
        return ()
    schemes = SCHEMES
    lowered = text.lower()
    for prefix, scheme in PREFIXES:
        if lowered.startswith(prefix):
            text, schemes = text[len(prefix) :].lstrip(" :"), (scheme,)
            break
    found: list[Identifier] = []
    for scheme in schemes:
        value = identifiers.normalize(scheme, text, "search", [], _NO_PARTNER)
        if value is not None:
            found.append((scheme, value))
    return tuple(found)


def combined(text_hits: sa.Subquery, found: tuple[Identifier, ...]) -> sa.Subquery:
    """(work_id, score) of the works ``found`` names (score ``IDENTIFIED``) and of the
    text hits, each work once with its best score."""
    score: sa.ColumnElement[float] = sa.cast(sa.literal_column(repr(IDENTIFIED)), sa.Float())
    rows = table(WorkIdentifier)
    pairs = [sa.and_(rows.c.scheme == scheme, rows.c.value == value) for scheme, value in found]
    named = sa.select(rows.c.work_id, score.label("score")).where(sa.or_(*pairs))
    both = sa.union_all(named, sa.select(text_hits.c.work_id, text_hits.c.score)).subquery("both")
    best = sa.func.min(both.c.score).label("score")
    return sa.select(both.c.work_id, best).group_by(both.c.work_id).subquery("hits")
