"""Making available objects quickly, through the same start/complete flow."""

from __future__ import annotations

from collections.abc import AsyncIterator

from exchange.identity.identity import Identity
from exchange.objects import uploads
from exchange.objects.models import DigitalObject
from exchange.runtime import Runtime
from tests.objects.scene import sha256


async def once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def make_available(
    rt: Runtime, who: Identity, data_draft: uploads.UploadDraft, data: bytes
) -> DigitalObject:
    async with rt.db.unit_of_work() as uow:
        started = await uploads.start_upload(
            who, data_draft, uow=uow, storage=rt.storage, policy=rt.policy, multipart=False
        )
    await rt.storage.put(
        started.object.storage_key,
        once(data),
        expected_size=len(data),
        expected_sha256=sha256(data),
    )
    completion = await uploads.complete_upload(
        who, started.object.id, db=rt.db, storage=rt.storage, policy=rt.policy
    )
    assert completion.rejected is None
    return completion.object
