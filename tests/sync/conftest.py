"""Sync tests sign manifests at both instances: their settings carry a key-encryption key."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.settings import Settings
from tests.shipments.conftest import KEY_ENCRYPTION_KEY


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_encryption_key=KEY_ENCRYPTION_KEY,
    )
