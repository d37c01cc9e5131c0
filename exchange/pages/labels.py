"""The words pages show for the domain's enum values and field names inside its messages.

A domain message carries internal names as values: ``cannot {action}: the shipment's state
is {state}`` with ``action="receive"``, ``state="received_with_discrepancy"``; a field error
names its field (``filters``). ``Language.say`` (``exchange.pages.i18n``) looks each value up
here and says its label, so a Korean page reads "수령 확인할 수 없습니다: 발송물이 불일치 수령
상태입니다" instead of the English internals. A label stands alone in its sentence (after
"cannot", before a colon, after "is"), so that it reads naturally in English and needs no
particle in Korean: an action is a verb phrase whose Korean label takes "-할" (수령 확인할),
a state an adjective or noun that Korean follows with "상태". The labels are the ones the
templates show for the same values (``web/templates/_labels.html``; actions as verbs); a
value not listed (an id, a number, a name) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from exchange.messages import N_, Ref
from exchange.pages.action_labels import ACTIONS

# States of offers, requests, allocations, shipments, objects and partners; shipment
# actions and offer verbs (as verbs, lower case: they stand inside a sentence); formats,
# modes and conditions.
VALUES: dict[str, str] = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "withdrawn": N_("withdrawn"),
    "expired": N_("expired"),
    "partially_filled": N_("partially filled"),
    "filled": N_("filled"),
    "cancelled": N_("cancelled"),
    "active": N_("active"),
    "released": N_("released"),
    "packed": N_("packed"),
    "awaiting_approval": N_("awaiting approval"),
    "approved": N_("approved"),
    "dispatched": N_("dispatched"),
    "in_transit": N_("in transit"),
    "delivered": N_("delivered"),
    "received": N_("received"),
    "received_with_discrepancy": N_("received with discrepancy"),
    "lost": N_("lost"),
    "pending": N_("pending"),
    "available": N_("available"),
    "rejected": N_("rejected"),
    "suspended": N_("suspended"),
    "pack": N_("pack"),
    "approve": N_("approve"),
    "dispatch": N_("dispatch"),
    "mark_in_transit": N_("mark in transit"),
    "mark_delivered": N_("mark delivered"),
    "receive": N_("confirm receipt"),
    "cancel": N_("cancel"),
    "lose": N_("mark lost"),
    "publish": N_("publish"),
    "withdraw": N_("withdraw"),
    "close": N_("close"),
    "print": N_("print"),
    "digital": N_("digital"),
    "physical": N_("physical"),
    "new": N_("new"),
    "good": N_("good"),
    "fair": N_("fair"),
}

# The states (of offers, requests, allocations, shipments) that templates show by ``labels.state``.
STATES = (
    "draft",
    "open",
    "closed",
    "withdrawn",
    "expired",
    "partially_filled",
    "filled",
    "cancelled",
    "active",
    "released",
    "packed",
    "awaiting_approval",
    "approved",
    "dispatched",
    "in_transit",
    "delivered",
    "received",
    "received_with_discrepancy",
    "lost",
)

# The labels templates show for enum values, by kind of value (``labels.state[...]``,
# translated once per language by ``exchange.pages.i18n.shown_labels``); a value not
# listed is shown as it is.
SHOWN: dict[str, dict[str, str]] = {
    "kind": {
        "textbook": N_("Textbook"),
        "journal": N_("Journal"),
        "co_publication": N_("Co-publication"),
        "seminar_material": N_("Seminar material"),
        "recorded_lecture": N_("Recorded lecture"),
        "other": N_("Other"),
    },
    "state": {value: VALUES[value] for value in STATES},
    "format": {"print": N_("print"), "digital": N_("digital")},
    "condition": {"new": N_("new"), "good": N_("good"), "fair": N_("fair")},
    "priority": {
        "low": N_("low"),
        "normal": N_("normal"),
        "high": N_("high"),
        "urgent": N_("urgent"),
    },
    "level": {
        "general": N_("general"),
        "secondary": N_("secondary school"),
        "undergraduate": N_("undergraduate"),
        "graduate": N_("graduate"),
        "research": N_("research"),
    },
    "action": {
        "create": N_("created"),
        "pack": N_("Pack"),
        "approve": N_("Approve"),
        "dispatch": N_("Dispatch"),
        "mark_in_transit": N_("Mark in transit"),
        "mark_delivered": N_("Mark delivered"),
        "receive": N_("Confirm receipt"),
        "cancel": N_("Cancel"),
        "lose": N_("Mark lost"),
    },
    "mode": {"physical": N_("physical"), "digital": N_("digital")},
}

# Field names that page forms report errors on (``field: message``).
FIELDS: dict[str, str] = {
    "filters": N_("filters"),
    "partner": N_("partner"),
    "quantity": N_("quantity"),
}


def value_labels(value: str) -> list[str] | None:
    """The English labels of an enum value, or of each of a ``", "``-joined list of them (an
    illegal transition's allowed actions), or of a policy action (``ACTIONS``: a denial's
    ``allocation.release``); ``None`` when any part is not a known value."""
    if value in ACTIONS:
        return [ACTIONS[value]]
    parts = value.split(", ")
    if all(part in VALUES for part in parts):
        return [VALUES[part] for part in parts]
    return None


# The page of each kind of record a message can name (``exchange.messages.Ref``).
PAGES: dict[str, str] = {
    "shipment": "/shipments/{id}",
    "offer": "/offers/{id}",
    "request": "/requests/{id}",
    "work": "/catalogue/works/{id}",
}


def record(ref: Ref, gettext: Callable[[str], str], *, html: bool) -> str:
    """How a page names ``ref`` inside a sentence: its kind in the page's language and,
    when the domain knows it, its name in quotes ("allocation “Calculus”"), never its id;
    as HTML, the name marked with its language and the whole a link to the record's page
    (``PAGES``) unless the record has none."""
    kind = gettext(ref.kind)
    if not html:
        return f"{kind} “{ref.name}”" if ref.name else kind
    named = escape(kind)
    if ref.name:
        lang = Markup(' lang="{}"').format(ref.lang) if ref.lang else ""
        named = Markup("{} “<span{}>{}</span>”").format(kind, lang, ref.name)
    page = PAGES.get(ref.kind) if ref.link else None
    if page is None:
        return named
    return Markup('<a href="{}">{}</a>').format(page.format(id=ref.id), named)
