"""Dates and instants given by callers, bounded to what every layer can hold.

Python's ``datetime`` spans years 1-9999 (``OverflowError`` past either end); asyncpg reads
and writes ``date.max``/``datetime.max`` as PostgreSQL's ``infinity`` (and the minimums as
``-infinity``); SQLite keeps ISO text. An instant is therefore accepted when it lies in
[``EARLIEST``, ``LATEST``), a day away from both ends, so that converting it to UTC or adding a
day to it never overflows and it never lands on an infinity. The end of a query window
(``usageReport``'s ``to``, OAI-PMH's ``until``) is clamped to ``LATEST`` instead of refused:
no stored instant lies beyond it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from exchange.errors import FieldError, ValidationFailed
from exchange.messages import N_

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
FIRST_DAY = EARLIEST.date()
LAST_DAY = date(9999, 12, 30)


def instant_problem(value: datetime, field: str) -> FieldError | None:
    """Why ``value`` cannot be stored (code ``out_of_range`` or ``naive``), or None."""
    if value.tzinfo is None or value.utcoffset() is None:
        return FieldError(field, "naive", "give a time zone, e.g. 2026-05-01T09:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = LATEST if value.year > 1 else EARLIEST - timedelta(microseconds=1)
    if not EARLIEST <= utc < LATEST:
        return FieldError(
            field,
            "out_of_range",
            N_("between {first_day} and {last_day} (UTC)", first_day=FIRST_DAY, last_day=LAST_DAY),
        )
    return None


def instant(value: datetime, field: str) -> datetime:
    """``value`` in UTC. Raises ``ValidationFailed`` naming ``field`` when it is naive or
    outside [EARLIEST, LATEST)."""
    problem = instant_problem(value, field)
    if problem is not None:
        raise ValidationFailed([problem])
    return value.astimezone(UTC)


def day_problem(value: date, field: str) -> FieldError | None:
    if not FIRST_DAY <= value <= LAST_DAY:
        return FieldError(
            field,
            "out_of_range",
            N_("between {first_day} and {last_day}", first_day=FIRST_DAY, last_day=LAST_DAY),
        )
    return None


def start_of(day: date) -> datetime:
    """The first instant of ``day`` (UTC), clamped into [EARLIEST, LATEST]."""
    return min(max(datetime.combine(day, time(), UTC), EARLIEST), LATEST)


def end_of(day: date) -> datetime:
    """The first instant after ``day`` (UTC): the exclusive end of a window that includes
    ``day``, clamped to LATEST."""
    if day >= LATEST.date():
        return LATEST
    return start_of(day + timedelta(days=1))


def later(moment: datetime, step: timedelta) -> datetime:
    """``moment + step`` clamped to LATEST (the exclusive end of a window)."""
    if moment >= LATEST - step:
        return LATEST
    return moment + step


LONGEST_SPAN_DAYS = 36_500  # a hundred years: longer than any lifetime or term we give


def span_of_days(days: int, field: str, longest: int = LONGEST_SPAN_DAYS) -> timedelta:
    """``days`` whole days as a ``timedelta``, for lifetimes and terms given by callers.

    Raises ``ValidationFailed`` naming ``field`` (code ``out_of_range``) unless
    1 <= ``days`` <= ``longest``: ``timedelta`` itself overflows past 999,999,999 days, and any
    instant that far off lies past ``LATEST`` anyway."""
    if not 1 <= days <= longest:
        raise ValidationFailed(
            [FieldError(field, "out_of_range", N_("between 1 and {longest} days", longest=longest))]
        )
    return timedelta(days=days)
