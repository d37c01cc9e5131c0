"""Demo digital objects, attached to the demo works by title (skipped when a work is
absent), one of each kind of licence a reader meets: open (the seminar's slides, a tiny
PDF; a dictionary sample; the lecture's video when ffmpeg made one), restricted to partners
with a tag (the lecture transcript, for ``income-eligible``; a journal's contents, for
``northfield-consortium``, which no demo partner has), and embargoed for a year from the
day the demo is loaded (a chapter sample)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

from sqlmodel import select

from exchange import clock
from exchange.catalogue.models import Work
from exchange.demo import video as demo_video
from exchange.identity.identity import SYSTEM
from exchange.objects import uploads
from exchange.runtime import Runtime

SLIDES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TRANSCRIPT = (
    "Linear Algebra, Lecture 3: Eigenvalues.\n"
    "An eigenvector of A is a non-zero v with Av = λv; λ is its eigenvalue.\n"
).encode()
EBOOK = (
    "Korean–English Dictionary of Science and Technology (open sample)\n"
    "고유값 — eigenvalue\n고유벡터 — eigenvector\n"
).encode()
CONTENTS = (
    b"Journal of Library Science in Asia, volume 13, number 1: contents\n"
    b"Union catalogues without a network, 1-18\nCataloguing Hangul in MARC 21, 19-40\n"
)
CHAPTER = "中国古代物理学史 — 第一章 力学 (sample)\n".encode()
EMBARGO = timedelta(days=365)
LECTURE = "Linear Algebra, Lecture 3: Eigenvalues"

# (title of the work, file name, media type, licence, required tag, embargoed?, bytes)
OBJECTS: list[tuple[str, str, str, str, str | None, bool, bytes]] = [
    ("Slides: Eigenvalues and Eigenvectors", "eigenvalues-slides.pdf", "application/pdf",
     "CC-BY-4.0", None, False, SLIDES),
    (LECTURE, "lecture-3-transcript.txt", "text/plain",
     "LicenseRef-Partner-Teaching", "income-eligible", False, TRANSCRIPT),
    ("Korean–English Dictionary of Science and Technology", "dictionary-sample.txt",
     "text/plain", "CC-BY-SA-4.0", None, False, EBOOK),
    ("Journal of Library Science in Asia", "jlsa-13-1-contents.txt", "text/plain",
     "LicenseRef-Northfield-Consortium", "northfield-consortium", False, CONTENTS),
    ("中国古代物理学史", "chapter-1-sample.txt", "text/plain",
     "CC-BY-4.0", None, True, CHAPTER),
]  # fmt: skip


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def load(runtime: Runtime, lecture: demo_video.Video | None = None) -> int:
    """Upload the demo objects to the works that carry their titles, and ``lecture``'s
    video when it has bytes; returns how many were uploaded."""
    embargo: date = (clock.now() + EMBARGO).date()
    found = [] if lecture is None or lecture.data is None else [lecture.data]
    videos = [
        (LECTURE, demo_video.FILENAME, demo_video.MEDIA_TYPE, "CC-BY-4.0", None, False, data)
        for data in found
    ]
    async with runtime.db.read() as session:
        works = (await session.exec(select(Work))).all()
    by_title: dict[str, Work] = {t["value"]: w for w in works for t in w.titles}
    loaded = 0
    for title, filename, media_type, licence, tag, embargoed, data in OBJECTS + videos:
        work = by_title.get(title)
        if work is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        draft = uploads.UploadDraft(
            filename,
            len(data),
            digest,
            media_type,
            licence,
            uploads.Attachment(work_id=work.id),
            work.created_by_partner_id,
            tag,
            embargo if embargoed else None,
        )
        object_id = await _upload(runtime, draft, data)
        completion = await uploads.complete_upload(
            SYSTEM, object_id, db=runtime.db, storage=runtime.storage, policy=runtime.policy
        )
        loaded += completion.rejected is None
    return loaded


async def _upload(runtime: Runtime, draft: uploads.UploadDraft, data: bytes) -> uuid.UUID:
    async with runtime.db.unit_of_work() as uow:
        started = await uploads.start_upload(
            SYSTEM, draft, uow=uow, storage=runtime.storage, policy=runtime.policy, presign=False
        )
    await runtime.storage.put(
        started.object.storage_key,
        _once(data),
        expected_size=draft.size,
        expected_sha256=draft.sha256,
    )
    return started.object.id
