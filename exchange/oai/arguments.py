"""The arguments of an OAI-PMH request, checked as section 3 of the protocol asks: one
verb, no repeated or unknown arguments, the required ones present, a resumption token
alone, dates in a granularity the repository supports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exchange import periods
from exchange.oai.errors import bad_argument, bad_verb

DAY = "%Y-%m-%d"
SECONDS = "%Y-%m-%dT%H:%M:%SZ"

# verb -> (required, optional, exclusive)
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
}


@dataclass(frozen=True, slots=True)
class Request:
    verb: str
    arguments: dict[str, str]

    def get(self, name: str) -> str | None:
        return self.arguments.get(name)


def parse(raw: Mapping[str, Sequence[str]]) -> Request:
    """The checked request, or the ProtocolError (badVerb, badArgument) it deserves."""
    verbs = raw.get("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        if len(verbs) > 1:
            raise bad_verb("the verb argument is repeated")
        raise bad_verb("the verb is missing or is not an OAI-PMH verb")
    verb = verbs[0]
    required, optional, exclusive = VERBS[verb]
    arguments: dict[str, str] = {}
    for name, values in raw.items():
        if name == "verb":
            continue
        if name not in required | optional and name != exclusive:
            raise bad_argument(f"{verb} takes no argument {name!r}")
        if len(values) != 1:
            raise bad_argument(f"the argument {name!r} is repeated")
        arguments[name] = values[0]
    if exclusive is not None and exclusive in arguments:
        if len(arguments) > 1:
            raise bad_argument(f"{exclusive} is an exclusive argument")
    elif missing := sorted(required - arguments.keys()):
        raise bad_argument(f"{verb} requires {', '.join(missing)}")
    return Request(verb, arguments)


def _moment(raw: str, name: str) -> tuple[datetime, bool]:
    """The instant and whether it was given at day granularity."""
    for layout, day in ((DAY, True), (SECONDS, False)):
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=UTC), day
        except ValueError:
            continue
    raise bad_argument(f"{name} is not a date in YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ")


def window(from_: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """``from`` and ``until`` as [since, before): ``until`` counts its whole day or second."""
    since = _moment(from_, "from") if from_ is not None else None
    end = _moment(until, "until") if until is not None else None
    if since and end:
        if since[1] != end[1]:
            raise bad_argument("from and until must have the same granularity")
        if since[0] > end[0]:
            raise bad_argument("from is later than until")
    before = None
    if end is not None:
        before = periods.later(end[0], timedelta(days=1) if end[1] else timedelta(seconds=1))
    return (since[0] if since else None), before


def datestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SECONDS)
