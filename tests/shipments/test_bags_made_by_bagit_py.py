"""Bags made by the Library of Congress tool (bagit.py), not by us, fed to ``import-bag``:
every valid form RFC 8493 allows is accepted, and what is wrong is refused, leaving nothing
changed."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import bagit
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from exchange.objects.models import DigitalObject, FixityCheck
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments.models import Shipment, ShipmentItem
from tests.cli_runner import invoke
from tests.conftest import World
from tests.shipments.test_bag import CONTENT, dispatched, export, state

NFC_NAME = unicodedata.normalize("NFC", "café-ü.txt")


async def forget_the_files(runtime: Runtime, shipment: Shipment) -> DigitalObject:
    """Make this instance a receiver that never had the shipment's file."""
    async with runtime.db.unit_of_work() as uow:
        obj = (
            await uow.session.exec(
                select(DigitalObject).where(DigitalObject.shipment_id == shipment.id)
            )
        ).one()
        await uow.session.exec(sa.update(ShipmentItem).values(object_id=None))
        await uow.session.exec(sa.delete(FixityCheck).where(col(FixityCheck.object_id) == obj.id))
        await uow.session.delete(obj)
    await runtime.storage.delete(obj.storage_key)
    return obj


def made_by_bagit_py(
    exported: Path, target: Path, checksums: list[str], filename: str = "chapter.txt"
) -> str:
    """A bag of the same payload and signed manifest, made by bagit.py (BagIt 0.97, its
    default); returns the payload's path on disk."""
    [source] = [p for p in (exported / "data").rglob("*") if p.is_file()]
    object_dir = target / source.parent.name
    object_dir.mkdir(parents=True)
    shutil.copy(source, object_dir / filename)
    bagit.make_bag(
        str(target), {"Source-Organization": "Open Shelves Foundation"}, checksums=checksums
    )
    shutil.copy(exported / "signed-manifest.json", target)
    bagit.Bag(str(target)).save()  # its tag manifests now cover the signed manifest too
    return f"data/{source.parent.name}/{filename}"


def rewrite(target: Path, name: str, change: Callable[[str], str]) -> None:
    path = target / name
    path.write_text(change(path.read_text("utf-8")), "utf-8")


def retag(target: Path) -> None:
    """Recompute the tag manifests after a tag file was edited (as bagit.py would)."""
    bag = bagit.Bag(str(target))
    for algorithm in bag.algorithms:
        bagit._make_tagmanifest_file(algorithm, str(target))


def version_097(target: Path, payload: str) -> str:
    assert (target / "bagit.txt").read_text().startswith("BagIt-Version: 0.97\n")
    return payload


def upper_case_digests(target: Path, payload: str) -> str:
    for manifest in target.glob("manifest-*.txt"):
        rewrite(target, manifest.name, lambda text: "\n".join(
            f"{line.split(' ', 1)[0].upper()} {line.split(' ', 1)[1]}" if line else line
            for line in text.split("\n")
        ))  # fmt: skip
    retag(target)
    assert any(c in "ABCDEF" for c in (target / "manifest-sha512.txt").read_text())
    return payload


def without_optional_files(target: Path, payload: str) -> str:
    (target / "bag-info.txt").unlink()
    for tag_manifest in target.glob("tagmanifest-*.txt"):
        tag_manifest.unlink()
    assert bagit.Bag(str(target)).is_valid()
    return payload


def nfd_on_disk(target: Path, payload: str) -> str:
    on_disk = target / payload
    nfd = on_disk.with_name(unicodedata.normalize("NFD", on_disk.name))
    assert nfd.name != on_disk.name
    on_disk.rename(nfd)  # as a copy through macOS leaves it; the manifest keeps NFC
    assert NFC_NAME in (target / "manifest-sha512.txt").read_text("utf-8")
    return payload


def percent_25_as_rfc_8493_asks(target: Path, payload: str) -> str:
    # bagit.py writes "%" as it is; RFC 8493 section 2.1.3 wants %25: the manifests say so
    for manifest in target.glob("manifest-*.txt"):
        rewrite(target, manifest.name, lambda text: text.replace("100%", "100%25"))
    retag(target)
    return payload


ACCEPTED = [
    ("bagit.py default: 0.97, sha256 and sha512", ["sha256", "sha512"], "chapter.txt", version_097),
    ("sha512 only", ["sha512"], "chapter.txt", version_097),
    ("md5 and sha1 beside sha512", ["md5", "sha1", "sha512"], "chapter.txt", version_097),
    ("upper-case hex digests", ["sha256", "sha512"], "chapter.txt", upper_case_digests),
    ("no bag-info.txt, no tag manifest", ["sha512"], "chapter.txt", without_optional_files),
    ("LF and CR in the name: %0A, %0D", ["sha512"], "ch\n1\rpart.txt", version_097),
    ("%25 in the name", ["sha256", "sha512"], "100%.txt", percent_25_as_rfc_8493_asks),
    ("NFD on disk, NFC in the manifest", ["sha512"], NFC_NAME, nfd_on_disk),
]


@pytest.mark.parametrize(
    ("checksums", "filename", "variant"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
async def test_a_valid_bag_made_by_bagit_py_is_imported(
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    checksums: list[str],
    filename: str,
    variant: Callable[[Path, str], str],
) -> None:
    scene, shipment = await dispatched(runtime, world)
    await export(settings, shipment, tmp_path / "ours")
    obj = await forget_the_files(runtime, shipment)
    target = tmp_path / "theirs"
    payload = variant(target, made_by_bagit_py(tmp_path / "ours", target, checksums, filename))
    if variant is not percent_25_as_rfc_8493_asks:  # bagit.py does not decode %25
        assert bagit.Bag(str(target)).is_valid()

    result = await invoke(settings, "shipment", "import-bag", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{shipment.id}\treceived\t1 files\t{len(CONTENT)} bytes"
    async with runtime.db.read() as session:
        stored = await session.get(DigitalObject, obj.id)
        row = await session.get(Shipment, shipment.id)
    assert stored is not None
    assert row is not None
    assert row.state == "received"
    expected_name = filename.replace("\n", "_").replace("\r", "_")
    assert (stored.filename, stored.size, stored.sha256, stored.owner_partner_id) == (
        expected_name, len(CONTENT), obj.sha256, scene.campus,
    )  # fmt: skip
    assert payload.startswith(f"data/{obj.id}/")
    assert (await runtime.storage.digest(stored.storage_key)).sha256 == obj.sha256


def wrong_sha512_entry(target: Path, payload: str, outside: Path) -> str:
    def spoil(text: str) -> str:
        digest, rest = text.split(" ", 1)
        return ("0" if digest[0] != "0" else "1") + digest[1:] + " " + rest

    rewrite(target, "manifest-sha512.txt", spoil)
    retag(target)  # the tag manifests agree: only the payload's sha512 is wrong
    assert not bagit.Bag(str(target)).is_valid()
    return payload


def symlink_outside(target: Path, payload: str, outside: Path) -> str:
    outside.write_bytes((target / payload).read_bytes())  # the very same bytes
    (target / payload).unlink()
    (target / payload).symlink_to(outside)
    return payload


def symlink_inside(target: Path, payload: str, outside: Path) -> str:
    (target / payload).rename(target / "copy.txt")
    (target / payload).symlink_to(Path("../../copy.txt"))
    return payload


def symlinked_directory(target: Path, payload: str, outside: Path) -> str:
    folder = (target / payload).parent
    shutil.move(folder, outside)
    folder.symlink_to(outside, target_is_directory=True)
    return str(Path(payload).parent)


@pytest.mark.parametrize(
    "tamper", [wrong_sha512_entry, symlink_outside, symlink_inside, symlinked_directory]
)
async def test_a_bag_that_is_wrong_is_refused_naming_the_file_and_nothing_changes(
    settings: Settings,
    runtime: Runtime,
    world: World,
    tmp_path: Path,
    tamper: Callable[[Path, str, Path], str],
) -> None:
    _scene, shipment = await dispatched(runtime, world)
    await export(settings, shipment, tmp_path / "ours")
    await forget_the_files(runtime, shipment)
    target = tmp_path / "theirs"
    payload = made_by_bagit_py(tmp_path / "ours", target, ["sha256", "sha512"])
    named = tamper(target, payload, tmp_path / "outside")
    before = await state(runtime, shipment.id)

    result = await invoke(settings, "shipment", "import-bag", str(target))
    assert result.exit_code == 2, result.output
    reasons: dict[Callable[[Path, str, Path], str], str] = {
        wrong_sha512_entry: f"{payload}: altered: its sha512 does not match manifest-sha512.txt",
        symlink_outside: f"{payload}: a symbolic link: a bag holds regular files only",
        symlink_inside: f"{payload}: a symbolic link: a bag holds regular files only",
        symlinked_directory: f"{named}: a symbolic link: a bag holds regular files only",
    }
    assert reasons[tamper] in result.output
    assert await state(runtime, shipment.id) == before
