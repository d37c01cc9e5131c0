"""The refusal of a posted form that cannot be read (its own module, so that both readers
of forms, ``web.read_form`` and ``form_stream.FormStream``, raise it without importing each
other); ``web.on_form_rejected`` answers it with the error page."""

from __future__ import annotations


class FormRejected(Exception):
    """A posted form that cannot be read: too large, malformed, too many fields, or text
    that is not UTF-8."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
