"""The media type of stored bytes, told by their first bytes (never by the client)."""

from __future__ import annotations

HEAD_SIZE = 4096
OCTET_STREAM = "application/octet-stream"
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def sniff(head: bytes) -> str:
    """The media type that the leading bytes ``head`` (up to ``HEAD_SIZE``) show."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"PK\x03\x04"):
        # an EPUB is a ZIP whose first entry is "mimetype", stored, naming the type
        if head[30:38] == b"mimetype" and head[38:58] == b"application/epub+zip":
            return "application/epub+zip"
        return "application/zip"
    if _is_text(head):
        return "text/plain"
    return OCTET_STREAM


def _is_text(head: bytes) -> bool:
    if not head or any(byte in _CONTROL for byte in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # a head cut in the middle of a character is still text
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True
