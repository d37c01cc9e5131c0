"""Requests the pages refuse before any service is asked, answered by ``web.on_rejected``
with the error page: a posted form that cannot be read, a path whose id is not one. Their
own module, so that both readers of forms, ``web.read_form`` and ``form_stream.FormStream``,
raise them without importing each other."""

from __future__ import annotations

from exchange.pages.i18n import N_


class Rejected(Exception):
    """A request refused with the error page: ``status_code`` and ``message`` (English, a
    catalogue message the page translates)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class FormRejected(Rejected):
    """A posted form that cannot be read: too large, malformed, too many fields, or text
    that is not UTF-8."""


# The words of ``web.not_found``: a malformed id is answered as an unknown one.
NOTHING_HERE = N_("Nothing is here, or it is not yours to see.")


class PathNotFound(Rejected):
    """A path parameter that should name a record by its UUID is not one (404, the
    not-found page)."""

    def __init__(self) -> None:
        super().__init__(404, NOTHING_HERE)
