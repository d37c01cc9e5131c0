"""Building the configured backend from settings, and what storage code may import."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from exchange.errors import ValidationFailed
from exchange.settings import Settings
from exchange.storage import factory
from exchange.storage.local import LocalStorage
from exchange.storage.s3 import S3Storage


def test_local_is_the_default_and_creates_its_signing_key(tmp_path: Path) -> None:
    settings = Settings.from_environ({"EXCHANGE_DATA_DIR": str(tmp_path)})

    storage = factory.build(settings)

    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "objects"
    key_file = tmp_path / "url-signing.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_configured_signing_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {"EXCHANGE_DATA_DIR": str(tmp_path), "EXCHANGE_URL_SIGNING_KEY": "s" * 32}
    )
    assert isinstance(factory.build(settings), LocalStorage)
    assert not (tmp_path / "url-signing.key").exists()
    assert "sssss" not in repr(settings)


def test_short_signing_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, url_signing_key="short")
    with pytest.raises(ValidationFailed):
        factory.build(settings)


def test_s3_settings_build_an_s3_backend() -> None:
    settings = Settings.from_environ(
        {
            "EXCHANGE_STORAGE": "S3",
            "EXCHANGE_S3_ENDPOINT": "http://127.0.0.1:9000",
            "EXCHANGE_S3_REGION": "eu-central-1",
            "EXCHANGE_S3_BUCKET": "objects",
            "EXCHANGE_S3_ACCESS_KEY_ID": "id",
            "EXCHANGE_S3_SECRET_ACCESS_KEY": "secret",
            "EXCHANGE_S3_ADDRESSING": "virtual",
        }
    )

    storage = factory.build(settings)

    assert isinstance(storage, S3Storage)
    config = storage.config
    assert (config.endpoint_url, config.region, config.bucket) == (
        "http://127.0.0.1:9000",
        "eu-central-1",
        "objects",
    )
    assert (config.access_key_id, config.secret_access_key) == ("id", "secret")
    assert config.addressing_style == "virtual"
    assert settings.extra == {}


@pytest.mark.parametrize(
    "environ",
    [
        {"EXCHANGE_STORAGE": "ftp"},
        {"EXCHANGE_S3_ADDRESSING": "dns"},
    ],
)
def test_unknown_choices_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed):
        Settings.from_environ(environ)


def test_s3_without_a_bucket_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        factory.build(Settings(storage="s3"))


def test_storage_code_imports_no_web_framework() -> None:
    code = (
        "import sys, exchange.storage.factory;"
        "roots = {m.split('.')[0] for m in sys.modules};"
        "print(sorted(roots & {'starlette', 'strawberry', 'jinja2'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
