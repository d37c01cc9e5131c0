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


def N_(template: str, /, **params: Any) -> Message:
    """Marks ``template`` for the catalogue; the message with ``params`` filled in."""
    return Message(template, **params)


__all__ = ["N_", "Message"]
