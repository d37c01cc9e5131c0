"""The values the storage interface speaks in: here, the download's Content-Disposition."""

from __future__ import annotations

import pytest

from exchange.storage.base import content_disposition


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("slides.pdf", "attachment; filename=\"slides.pdf\"; filename*=UTF-8''slides.pdf"),
        (
            "Lecture 1.pdf",
            "attachment; filename=\"Lecture 1.pdf\"; filename*=UTF-8''Lecture%201.pdf",
        ),
        (
            "a%20b.pdf",  # some agents percent-decode filename=: no %XX may reach them
            "attachment; filename=\"a_20b.pdf\"; filename*=UTF-8''a%2520b.pdf",
        ),
        (
            'say "hi"\\.txt',
            "attachment; filename=\"say _hi__.txt\"; filename*=UTF-8''say%20%22hi%22%5C.txt",
        ),
        (
            "김책 — ök.pdf",
            'attachment; filename="__ _ _k.pdf"; '
            "filename*=UTF-8''%EA%B9%80%EC%B1%85%20%E2%80%94%20%C3%B6k.pdf",
        ),
        ("tab\there.txt", "attachment; filename=\"tab_here.txt\"; filename*=UTF-8''tab%09here.txt"),
    ],
)
def test_the_ascii_fallback_is_plain_and_filename_star_exact(filename: str, expected: str) -> None:
    # RFC 6266 §4.3 and appendix D
    assert content_disposition(filename) == expected
