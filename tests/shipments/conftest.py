"""Shipment tests sign manifests: their settings carry a key-encryption key."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from exchange.settings import Settings

KEY_ENCRYPTION_KEY = base64.b64encode(b"shipments-test-key-encryption-k!").decode("ascii")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_encryption_key=KEY_ENCRYPTION_KEY,
    )
