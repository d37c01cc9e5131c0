"""Allocation clients run in separate processes (spawned, each with its own engine)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from exchange.allocations import service as allocations
from exchange.errors import Conflict
from exchange.identity.identity import Identity
from exchange.runtime import Runtime
from exchange.settings import Settings


def allocate_many(
    data_dir: str,
    database_url: str,
    identity: Identity,
    pairs: list[tuple[uuid.UUID, uuid.UUID]],
    quantity: int,
    alone: bool = False,
) -> list[int]:
    """Fire one allocation per pair, all at once; return what each got (0 if refused).
    ``alone``: each allocation is its unit of work (``allocations.allocate``)."""

    async def main() -> list[int]:
        runtime = Runtime.start(
            Settings(data_dir=Path(data_dir), database_url=database_url, log_level="WARNING")
        )

        async def one(offer_line: uuid.UUID, request_line: uuid.UUID) -> int:
            try:
                async with runtime.db.unit_of_work() as uow:
                    await allocations.allocate(
                        identity,
                        offer_line,
                        request_line,
                        quantity,
                        uow=uow,
                        policy=runtime.policy,
                        alone=alone,
                    )
            except Conflict:  # InsufficientQuantity, or the request filled meanwhile
                return 0
            return quantity

        try:
            return list(await asyncio.gather(*(one(o, r) for o, r in pairs)))
        finally:
            await runtime.close()

    return asyncio.run(main())
