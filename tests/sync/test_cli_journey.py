"""The whole journey between a hub and a partner's offline instance, driven only through
the ``exchange`` command: two data directories and databases, peers registered both ways,
offer at the hub → request and claim at the partner's instance (the claim travels as a
proposal) → allocation at the hub (answering it) → dispatch at the hub → bundle on the
"disk" → receipt at the partner's instance, countersigned with the receiver's key held
there (travels as a proposal) → bundle back → the hub shows the shipment received, the
countersignature verified with the key the partner's instance registered."""

from __future__ import annotations

import uuid
from pathlib import Path

from exchange.settings import Settings
from tests.sync.pair import Pair, cli_ok, peer, second_instance


async def carry(pair: Pair, disk: Path, name: str, *, to_partner: bool) -> str:
    source, target, peer_id = (
        (pair.hub, pair.partner, pair.partner_id)
        if to_partner
        else (pair.partner, pair.hub, pair.hub_id)
    )
    bundle = disk / f"{name}.tar.gz"
    await cli_ok(source, "sync", "export", "--peer", str(peer_id), str(bundle))
    return await cli_ok(target, "sync", "import", str(bundle))


async def one(settings: Settings, *args: str) -> str:
    return (await cli_ok(settings, *args)).strip()


async def test_offer_to_countersigned_receipt_through_the_command_line_only(
    settings: Settings, tmp_path: Path, sqlite_template: Path
) -> None:
    hub = settings
    donor = await one(
        hub, "partner", "create", "--name", "en=Open Shelves Foundation", "--country", "DE",
        "--kind", "donor_organisation",
    )  # fmt: skip
    national = await one(
        hub, "partner", "create", "--name", "en=Grand People's Study House", "--country", "KP",
        "--kind", "national_library", "--tag", "review-destination",
    )  # fmt: skip
    donor_kid = await one(hub, "keys", "create-custodial", "--partner", donor)
    for email, partner_id, role in (
        ("sender@example.org", donor, "librarian"),
        ("coordinator@example.org", donor, "coordinator"),
    ):
        await cli_ok(
            hub, "account", "create", "--email", email, "--name", role.title(),
            "--partner", partner_id, "--role", role,
        )  # fmt: skip
    work = await one(
        hub, "work", "create", "--partner", donor, "--title", "Numerical Methods",
        "--isbn", "9780306406157",
    )  # fmt: skip
    sender = ("--as", "sender@example.org")
    offer_args = ("--partner", donor, "--work", work, "--quantity", "5")
    offered = await one(hub, "offer", "create", *sender, *offer_args)
    _offer, offer_line = offered.split("\t")

    pair = await peer(hub, second_instance(tmp_path, sqlite_template, "partner"), tmp_path, [])
    await cli_ok(
        hub, "peers", "add", "--id", str(pair.partner_id), "--jwks", str(tmp_path / "p.json"),
        "--serves", national,
    )  # fmt: skip
    partner = pair.partner
    disk = tmp_path / "disk"
    assert "applied" in await carry(pair, disk, "1-catalogue", to_partner=True)

    # at the partner's instance: its own key, its request, a claim on the hub's line
    national_kid = await one(partner, "keys", "create-custodial", "--partner", national)
    await cli_ok(
        partner, "account", "create", "--email", "reader@example.org", "--name", "Librarian",
        "--partner", national, "--role", "librarian",
    )  # fmt: skip
    librarian = ("--as", "reader@example.org")
    request_args = ("--partner", national, "--work", work, "--quantity", "2")
    requested = await one(partner, "request", "create", *librarian, *request_args)
    _request, request_line = requested.split("\t")
    claimed = await one(
        partner, "allocation", "create", *librarian, "--offer-line", offer_line, "--request-line",
        request_line, "--quantity", "2",
    )  # fmt: skip
    awaiting, proposal = claimed.split("\t")
    assert awaiting == f"proposed, awaiting instance {pair.hub_id}"
    claim_id = proposal.removeprefix("proposal ")
    assert (await one(partner, "sync", "proposals")).split("\t") == [
        claim_id, "claim", f"{pair.partner_id} -> {pair.hub_id}", "awaiting",
    ]  # fmt: skip

    assert "applied" in await carry(pair, disk, "2-claim", to_partner=False)
    answered = (await one(hub, "sync", "proposals")).split("\t")
    assert answered[:4] == [claim_id, "claim", f"{pair.partner_id} -> {pair.hub_id}", "accepted"]
    allocation = answered[4].removeprefix("allocation ")
    uuid.UUID(allocation)

    shipment = await one(hub, "shipment", "create", *sender, "--allocation", allocation)
    for action, state, who in (
        ("pack", "awaiting_approval", sender),
        ("approve", "approved", ("--as", "coordinator@example.org")),
        ("dispatch", "dispatched", sender),
        ("mark_in_transit", "in_transit", sender),
        ("mark_delivered", "delivered", sender),
    ):
        moved = await one(hub, "shipment", "act", *who, shipment, action)
        assert moved == f"{shipment}\t{state}"

    assert "applied" in await carry(pair, disk, "3-shipment", to_partner=True)
    shown = (await one(partner, "shipment", "show", shipment)).splitlines()
    assert shown == [
        f"{shipment}\tdelivered\t{donor} -> {national}",
        f"sender\t{donor}\t{donor_kid}\tverified",
    ]
    receipt = (await one(partner, "shipment", "receive", *librarian, shipment)).split("\t")
    assert receipt[:2] == [shipment, f"proposed, awaiting instance {pair.hub_id}"]
    # the replica changes only by its owner's word
    assert (await one(partner, "shipment", "show", shipment)).splitlines()[0].split("\t")[1] == (
        "delivered"
    )

    assert "applied" in await carry(pair, disk, "4-receipt", to_partner=False)
    receipt_id = receipt[2].removeprefix("proposal ")
    answers = (await one(hub, "sync", "proposals")).splitlines()
    assert answers[1].split("\t") == [
        receipt_id, "receipt", f"{pair.partner_id} -> {pair.hub_id}", "accepted",
    ]  # fmt: skip
    assert (await one(hub, "shipment", "show", shipment)).splitlines() == [
        f"{shipment}\treceived\t{donor} -> {national}",
        f"sender\t{donor}\t{donor_kid}\tverified",
        f"receiver\t{national}\t{national_kid}\tverified",
    ]

    assert "applied" in await carry(pair, disk, "5-received", to_partner=True)
    assert (await one(partner, "shipment", "show", shipment)).splitlines()[0] == (
        f"{shipment}\treceived\t{donor} -> {national}"
    )
