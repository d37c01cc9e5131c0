"""Demo digital objects: a seminar's slides (a tiny PDF), a lecture transcript, an open
e-book, attached to the demo works by title; skipped when those works are absent."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator

from sqlmodel import select

from exchange.catalogue.models import Work
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

# (title of the work, file name, media type, licence, required tag, bytes)
OBJECTS = [
    ("Slides: Eigenvalues and Eigenvectors", "eigenvalues-slides.pdf", "application/pdf",
     "CC-BY-4.0", None, SLIDES),
    ("Linear Algebra, Lecture 3: Eigenvalues", "lecture-3-transcript.txt", "text/plain",
     "LicenseRef-Partner-Teaching", "income-eligible", TRANSCRIPT),
    ("Korean–English Dictionary of Science and Technology", "dictionary-sample.txt",
     "text/plain", "CC-BY-SA-4.0", None, EBOOK),
]  # fmt: skip


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def load(runtime: Runtime) -> int:
    """Upload the demo objects to the works that carry their titles; returns how many."""
    async with runtime.db.read() as session:
        works = (await session.exec(select(Work))).all()
    by_title: dict[str, Work] = {t["value"]: w for w in works for t in w.titles}
    loaded = 0
    for title, filename, media_type, licence, tag, data in OBJECTS:
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
