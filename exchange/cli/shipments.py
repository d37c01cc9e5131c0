"""``exchange shipment``: digital shipments carried on a disk, as BagIt bags."""

from __future__ import annotations

from pathlib import Path

import click

from exchange.cli.output import say
from exchange.cli.runner import with_runtime
from exchange.identity.identity import SYSTEM
from exchange.ids import parse_id
from exchange.keys.custody import Custody
from exchange.runtime import Runtime
from exchange.shipments import bag, bag_export
from exchange.sync import bags


@click.group(name="shipment")
def shipment_group() -> None:
    """Shipments."""


@shipment_group.command(name="export-bag")
@click.argument("shipment_id")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--verify",
    is_flag=True,
    help="Hash every byte again while copying it (one pass) and refuse a file whose "
    "SHA-256 differs from the signed manifest. Slower: bound by SHA-256, not the disk.",
)
@click.option("--contact-name", default=None, help="The sender's contact person (bag-info).")
@click.option("--contact-email", default=None, help="That person's e-mail (bag-info).")
@click.pass_context
def export_bag(
    ctx: click.Context,
    shipment_id: str,
    directory: Path,
    verify: bool,
    contact_name: str | None,
    contact_email: str | None,
) -> None:
    """Write the BagIt bag of dispatched digital shipment SHIPMENT_ID into DIRECTORY
    (new or empty): its files, their checksums, the signed manifest and the JWKS.

    Files are copied at disk speed; their checksums are the SHA-256 the signed manifest
    states (proved at upload, re-proved by fixity checks). An object whose last fixity
    check failed is refused. The importer re-hashes everything in any case. bag-info.txt
    names the sender (Source-Organization), its contact person (Contact-Name and
    Contact-Email, given here) and the shipment (External-Identifier)."""

    async def work(runtime: Runtime) -> bag.BagReport:
        return await bag_export.export_bag(
            SYSTEM,
            parse_id(shipment_id, "shipment_id"),
            directory,
            db=runtime.db,
            storage=runtime.storage,
            policy=runtime.policy,
            verify=verify,
            contact=bag_export.Contact(contact_name, contact_email)
            if contact_name or contact_email
            else None,
        )

    report = with_runtime(ctx, work)
    say(f"{report.shipment_id}\t{report.files} files\t{report.octets} bytes\t{directory}")


@shipment_group.command(name="import-bag")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def import_bag(ctx: click.Context, directory: Path) -> None:
    """Check the bag in DIRECTORY (every file, every checksum, the signatures), store its
    files and record the shipment's receipt. A bad bag is refused, naming the file.

    At an instance holding the shipment as a replica (its rows came in a sync bundle) the
    files are stored and the receipt is left to ``shipment receive`` (it travels to the
    owner); an instance that knows nothing of the shipment refuses the bag (exit 3): its
    rows come with ``exchange sync import``."""

    async def work(runtime: Runtime) -> bags.BagImported:
        return await bags.import_bag(
            SYSTEM,
            directory,
            db=runtime.db,
            storage=runtime.storage,
            policy=runtime.policy,
            custody=Custody(runtime.settings.key_encryption_key_bytes),
        )

    report = with_runtime(ctx, work)
    if report.owner is None:
        say(f"{report.shipment_id}\treceived\t{report.files} files\t{report.octets} bytes")
        return
    say(
        f"{report.shipment_id}\tstored\t{report.stored} files\t"
        f"{report.held} already held\t{report.octets} bytes"
    )
    say(
        f"the shipment is owned by instance {report.owner}: confirm receipt with "
        f"`exchange shipment receive {report.shipment_id}` (it travels there as a proposal)"
    )
