"""What one allocation sends to the database: one read of both sides (with the owner of the
offer, for the replica rule), one write; on PostgreSQL the audit chain's link round follows
its commit (``exchange.audit.linker``). On PostgreSQL an allocation that leaves its
request's state as it is sends no BEGIN or COMMIT: its write is a transaction of its own
(``ledger.take_at_once``); one that changes it runs in a transaction."""

from __future__ import annotations

import pytest

from exchange.runtime import Runtime
from tests.allocations.market import allocate, coordinator, make_market
from tests.conftest import World
from tests.statements import StatementCounter

POSTGRESQL = [
    "SELECT offer.id, offer.state,",
    # both parents locked, both counters, the allocation row and its audit record
    "WITH request_open AS",
    "BEGIN",  # the link round
    "SELECT pg_advisory_xact_lock($1::INTEGER)",
    "WITH anon_1 AS",
    "INSERT INTO audit_event",
    "COMMIT",
]
SQLITE = [
    "BEGIN",
    "SELECT offer.id, offer.state,",
    "SELECT audit_event.seq, audit_event.hash",
    "INSERT INTO audit_event (seq,",
    "UPDATE offer_line SET",
    "UPDATE request_line SET",
    "INSERT INTO allocation (id,",
    "COMMIT",
]


async def test_an_allocation_reads_its_sides_once_and_writes_in_one_statement(
    runtime: Runtime, world: World
) -> None:
    market = await make_market(runtime, world, offered=[5], requested=[10])
    line, request = market.offer_lines[0], market.request_lines[0]

    # the first changes the request's state; later ones do not
    await allocate(runtime, coordinator(world), line, request, alone=True)
    counter = StatementCounter()
    with counter.watching(runtime.db.writer, runtime.db.reader):
        await allocate(runtime, coordinator(world), line, request, alone=True)
    expected = POSTGRESQL if runtime.db.dialect == "postgresql" else SQLITE
    # each statement named by the start it is expected to have (shown whole otherwise)
    named = [next((kind for kind in expected if sql.startswith(kind)), sql) for sql in counter.sql]
    assert named == expected


POSTGRESQL_FILLING = [
    "SELECT offer.id, offer.state,",  # read, found to change the request's state
    "BEGIN",
    "SELECT offer.id, offer.state,",  # again, FOR SHARE OF the offer
    "WITH offer_moved AS",
    "SELECT resource_request.id",  # the request locked, then its state
    "UPDATE resource_request SET state",
    "COMMIT",
    "BEGIN",  # the link round
    "SELECT pg_advisory_xact_lock($1::INTEGER)",
    "WITH anon_1 AS",
    "INSERT INTO audit_event",
    "COMMIT",
]


async def test_an_allocation_that_changes_its_requests_state_is_a_transaction(
    runtime: Runtime, world: World
) -> None:
    if runtime.db.dialect != "postgresql":
        pytest.skip("on SQLite every allocation is a transaction (above)")
    market = await make_market(runtime, world, offered=[5], requested=[10])
    counter = StatementCounter()
    with counter.watching(runtime.db.writer, runtime.db.reader):
        await allocate(
            runtime,
            coordinator(world),
            market.offer_lines[0],
            market.request_lines[0],
            1,
            alone=True,
        )
    expected = POSTGRESQL_FILLING
    named = [next((kind for kind in expected if sql.startswith(kind)), sql) for sql in counter.sql]
    assert named == expected
