"""Messages the domain shows people, translatable by any adapter without the domain knowing
about catalogues (it imports no gettext nor Babel).

A message is a ``str`` (its English text, so the CLI, GraphQL and logs use it as before)
that also carries its template and values: ``N_("at most {limit} characters", limit=500)``
reads "at most 500 characters", and a page looks up "at most {limit} characters" in its
catalogue and fills in 500. ``N_`` is the extraction keyword (``scripts/messages.sh``);
error constructors that take a literal message (``FieldError``, ``ValidationFailed.single``,
``Conflict``, ``Unauthenticated``, ``NotFound``'s entity) are keywords too, so a literal
needs no wrapping. Values that are themselves messages are translated in turn.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """English text, with the ``template`` (``str.format`` fields) and ``params`` behind it."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        made = super().__new__(cls, template.format(**params) if params else template)
        made.template = template
        made.params = params
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


class Ref(str):
    """A record named inside a message: reads as "<kind> <id>" (``Ref("shipment", id)`` is
    "shipment 0190…", so the CLI, GraphQL and logs name it as before), and carries what
    people know it by (``name``, e.g. a work's title, in the language ``lang``) for a page
    to say instead of the id, linking to the record where it has a page (unless ``link`` is
    false: a record not found has no page). ``kind`` is a catalogue message ("offer line")."""

    kind: str
    id: str
    name: str
    lang: str
    link: bool

    def __new__(
        cls, kind: str, id: object, /, name: str = "", lang: str = "", link: bool = True
    ) -> Ref:
        made = super().__new__(cls, f"{kind} {id}")
        made.kind, made.id, made.name, made.lang, made.link = kind, str(id), name, lang, link
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (_ref, (self.kind, self.id, self.name, self.lang, self.link))


def _ref(kind: str, id: str, name: str, lang: str, link: bool) -> Ref:
    return Ref(kind, id, name=name, lang=lang, link=link)


def N_(template: str, /, **params: Any) -> Message:
    """Marks ``template`` for the catalogue; the message with ``params`` filled in."""
    return Message(template, **params)


__all__ = ["N_", "Message", "Ref"]
