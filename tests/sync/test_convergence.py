"""Three instances (the hub on PostgreSQL, two partner instances on SQLite) act while
partitioned and exchange bundles in random order, with duplicates, losses and tampered
copies. No offer line is ever over-allocated anywhere, every tampered copy is refused
whole, every audit chain verifies, and once bundles flow again they agree."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from exchange.allocations import service as allocations
from exchange.errors import ExchangeError
from exchange.identity.identity import Role
from exchange.sync import proposals
from tests.sync.three import Flight, Three, build, person, tampered

_examples = itertools.count()
LINKS = [("hub", "p1"), ("p1", "hub"), ("hub", "p2"), ("p2", "hub")]
PARTNERS = ["p1", "p2"]


def _fingerprint(three: Three, name: str) -> list[object]:
    return [
        three.rows(name, "SELECT origin_id, seq FROM sync_mark ORDER BY origin_id"),
        three.rows(name, "SELECT id, quantity, state FROM allocation ORDER BY id"),
        three.rows(name, "SELECT proposal_id, accepted FROM sync_answer ORDER BY proposal_id"),
        three.rows(name, "SELECT id, allocated FROM offer_line"),
        three.rows(name, "SELECT count(*) FROM audit_event"),
    ]


def test_three_instances_converge_through_lossy_reordered_tampered_bundles(
    postgres_url: str, postgres_template: str, sqlite_template: Path
) -> None:
    class Partitioned(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.three = build(postgres_url, sqlite_template, next(_examples))
            self.flights: list[Flight] = []

        def teardown(self) -> None:
            self.three.close()

        @rule(who=st.sampled_from(PARTNERS), quantity=st.integers(1, 4))
        def hub_allocates(self, who: str, quantity: int) -> None:
            three = self.three
            hub, node = three.nodes["hub"], three.nodes[who]
            coordinator = person(three.donor, Role.COORDINATOR)

            async def work() -> None:
                assert node.request_line is not None
                async with hub.runtime.db.unit_of_work() as uow:
                    await allocations.allocate(
                        coordinator,
                        three.offer_line,
                        node.request_line,
                        quantity,
                        uow=uow,
                        policy=hub.runtime.policy,
                    )

            with contextlib.suppress(ExchangeError):  # the line may have run out: fine
                three.run(work())

        @rule(who=st.sampled_from(PARTNERS), quantity=st.integers(1, 4))
        def partner_claims(self, who: str, quantity: int) -> None:
            three = self.three
            node = three.nodes[who]
            assert node.partner is not None
            assert node.request_line is not None
            librarian = person(node.partner, Role.LIBRARIAN)
            request_line = node.request_line

            async def work() -> None:
                async with node.runtime.db.unit_of_work() as uow:
                    claimed = await proposals.claim(
                        librarian,
                        three.offer_line,
                        request_line,
                        quantity,
                        uow=uow,
                        policy=node.runtime.policy,
                    )
                assert claimed.allocation_id is None  # the offer is the hub's

            three.run(work())

        @rule(link=st.sampled_from(LINKS))
        def export(self, link: tuple[str, str]) -> None:
            self.flights.append(self.three.ship(*link))

        @precondition(lambda self: bool(self.flights))
        @rule(index=st.integers(0, 50), again=st.booleans())
        def deliver(self, index: int, again: bool) -> None:
            flight = self.flights[index % len(self.flights)]
            outcome = self.three.receive(flight)
            assert outcome in ("applied", "duplicate", "waiting"), outcome
            if not again and outcome != "waiting":
                self.flights.remove(flight)

        @precondition(lambda self: bool(self.flights))
        @rule(index=st.integers(0, 50))
        def lose(self, index: int) -> None:
            self.flights.pop(index % len(self.flights))

        @precondition(lambda self: bool(self.flights))
        @rule(index=st.integers(0, 50), how=st.integers(0, 2))
        def tamper(self, index: int, how: int) -> None:
            flight = self.flights[index % len(self.flights)]
            copy = flight.path.with_name(f"tampered-{how}-{flight.path.name}")
            tampered(flight.path, copy, how)
            before = _fingerprint(self.three, flight.target)
            outcome = self.three.receive(flight, copy)
            assert outcome.startswith("refused: "), outcome
            assert _fingerprint(self.three, flight.target) == before

        @invariant()
        def never_over_allocated(self) -> None:
            for name in self.three.nodes:
                for quantity, allocated in self.three.rows(
                    name, "SELECT quantity, allocated FROM offer_line"
                ):
                    assert 0 <= allocated <= quantity
            hub_sum = self.three.rows(
                "hub",
                "SELECT coalesce(sum(quantity), 0) FROM allocation WHERE state = 'active'",
            )[0][0]
            assert hub_sum == self.three.rows("hub", "SELECT allocated FROM offer_line")[0][0]

        def converge(self) -> None:
            for _round in range(3):
                for link in LINKS:
                    outcome = self.three.receive(self.three.ship(*link))
                    assert outcome in ("applied", "duplicate"), outcome

        def check_agreement(self) -> None:
            three = self.three
            for name in three.nodes:
                assert three.chain_ok(name), name
            line = three.rows("hub", "SELECT quantity, allocated FROM offer_line")
            for name in PARTNERS:
                node = three.nodes[name]
                assert three.rows(name, "SELECT quantity, allocated FROM offer_line") == line
                request_line = str(node.request_line).replace("-", "")
                mine = (
                    "SELECT id, quantity, state FROM allocation WHERE "
                    f"replace(CAST(request_line_id AS TEXT), '-', '') = '{request_line}' "
                    "ORDER BY id"
                )
                assert three.rows(name, mine) == three.rows("hub", mine)
                answers = (
                    "SELECT proposal_id, accepted, allocation_id FROM sync_answer WHERE "
                    f"replace(CAST(proposer_id AS TEXT), '-', '') = '{node.id.hex}' "
                    "ORDER BY proposal_id"
                )
                assert three.rows(name, answers) == three.rows("hub", answers)
                unanswered = (
                    "SELECT count(*) FROM sync_proposal p LEFT JOIN sync_answer a "
                    "ON a.proposal_id = p.id WHERE a.proposal_id IS NULL"
                )
                assert three.rows(name, unanswered) == [(0,)]

        def teardown_checks(self) -> None:
            self.converge()
            self.check_agreement()

    class Checked(Partitioned):
        def teardown(self) -> None:
            try:
                self.teardown_checks()
            finally:
                self.three.close()

    run_state_machine_as_test(
        Checked,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
