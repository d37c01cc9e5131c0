"""The instance key's file: created at start when absent, checked without cryptography when
present, read on first use; anything but an Ed25519 key fails the start, as it always did."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.signing import instance_key
from exchange.signing.key_file import KeyFile, is_ed25519_pem


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def test_an_absent_key_is_created_at_open_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "instance-key.pem"
    opened = KeyFile.open(path)
    assert opened.loaded
    assert path.stat().st_mode & 0o777 == 0o600
    assert raw(instance_key.load_or_create(path)) == raw(opened.key)


def test_a_present_key_is_read_on_first_use_and_is_the_files_key(tmp_path: Path) -> None:
    path = tmp_path / "instance-key.pem"
    written = instance_key.load_or_create(path)
    opened = KeyFile.open(path)
    assert not opened.loaded
    assert raw(opened.key) == raw(written)
    assert opened.loaded
    assert opened.key is opened.key


def test_the_check_accepts_exactly_what_load_or_create_writes(tmp_path: Path) -> None:
    path = tmp_path / "instance-key.pem"
    instance_key.load_or_create(path)
    pem = path.read_bytes()
    assert is_ed25519_pem(pem)
    assert is_ed25519_pem(pem.replace(b"\n", b"\r\n"))
    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    encrypted = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    for other in (ec, encrypted, b"", b"\xff\xfe", pem[:-40] + pem[-30:], pem.replace(b"M", b"!")):
        assert not is_ed25519_pem(other), other


def test_a_key_of_another_type_fails_the_open_as_the_start_always_did(tmp_path: Path) -> None:
    path = tmp_path / "instance-key.pem"
    path.write_bytes(
        generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="is not an Ed25519 private key"):
        KeyFile.open(path)


def test_a_file_that_is_no_key_fails_the_open(tmp_path: Path) -> None:
    path = tmp_path / "instance-key.pem"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ValueError, match="Could not deserialize key data"):
        KeyFile.open(path)
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\nbm90")
