"""A ``multipart/form-data`` post read as it arrives (RFC 7578): the small fields before
the file first, then the file's bytes as a stream, so a page can check the CSRF token and
the visitor's right to upload before reading the file, and the file never sits whole in
memory. Parsing is python-multipart's (the parser Starlette itself uses)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from exchange.pages.i18n import N_
from exchange.pages.rejected import FormRejected

MAX_FIELD_BYTES = 4096
MAX_FIELDS = 50


def _utf8(raw: bytes) -> str:
    """``raw`` as UTF-8 text; ``FormRejected`` (400) otherwise: a field's name, value or a
    file's name is never kept with U+FFFD (or latin-1 mojibake) in place of what was sent."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormRejected(400, N_("The form is not valid UTF-8 text.")) from None


class FormStream:
    """The fields of a form post, then its one file. ``fields`` holds the fields read so
    far; ``filename`` and ``media_type`` are the file part's once ``read_fields`` returned."""

    def __init__(self, request: Request) -> None:
        content_type, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if content_type != b"multipart/form-data" or not boundary:
            raise FormRejected(400, N_("The form could not be read."))
        self._chunks = request.stream().__aiter__()
        self.fields: dict[str, str] = {}
        self.items: list[tuple[str, str]] = []  # every field, in order (names may repeat)
        self.filename: str | None = None
        self.media_type = "application/octet-stream"
        self._file: list[bytes] = []
        self._file_part = self._file_started = self._file_done = self._ended = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._value = bytearray()
        callbacks: Any = {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }
        self._parser = MultipartParser(boundary, callbacks)

    # -- the parser's callbacks ------------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers = {}
        self._value = bytearray()
        self._file_part = False

    def _header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = _utf8(options.get(b"name", b""))
        if b"filename" in options:
            if self._file_started:  # one file per form
                raise FormRejected(400, N_("The form could not be read."))
            self._file_part = self._file_started = True
            self.filename = _utf8(options[b"filename"])
            declared = self._headers.get(b"content-type", b"").decode("latin-1").strip()
            self.media_type = declared or self.media_type
        elif len(self.fields) >= MAX_FIELDS:
            raise FormRejected(400, N_("The form could not be read."))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file_part:
            self._file.append(bytes(data[start:end]))
            return
        self._value.extend(data[start:end])
        if len(self._value) > MAX_FIELD_BYTES:
            raise FormRejected(413, N_("The form is too large."))

    def _part_end(self) -> None:
        if self._file_part:
            self._file_done = True
        else:
            value = _utf8(bytes(self._value))
            self.fields[self._name] = value
            self.items.append((self._name, value))

    # -- reading ---------------------------------------------------------------------------

    async def _feed(self) -> None:
        try:
            chunk = await self._chunks.__anext__()
        except StopAsyncIteration:
            self._ended = True
            self._parser.finalize()
            return
        try:
            self._parser.write(chunk)
        except FormRejected:
            raise
        except Exception:  # python-multipart's MultipartParseError and kin
            raise FormRejected(400, N_("The form could not be read.")) from None

    async def read_fields(self) -> dict[str, str]:
        """The fields sent before the file (all of them when there is no file)."""
        while not self._file_started and not self._ended:
            await self._feed()
        return self.fields

    async def file_chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes, as they arrive (nothing when the form has no file)."""
        await self.read_fields()
        while True:
            if self._file:
                chunk = b"".join(self._file)
                self._file.clear()
                yield chunk
            if self._file_done or self._ended:
                return
            await self._feed()
