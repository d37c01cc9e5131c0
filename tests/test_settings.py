from __future__ import annotations

from pathlib import Path

import pytest

from exchange.errors import ValidationFailed
from exchange.settings import Settings


def test_defaults_are_the_embedded_ones() -> None:
    settings = Settings.from_environ({})
    assert settings.data_dir == Path("data")
    assert (
        settings.effective_database_url
        == f"sqlite+aiosqlite:///{Path('data').resolve() / 'exchange.sqlite3'}"
    )
    assert (settings.host, settings.port, settings.graphiql, settings.introspection) == (
        "127.0.0.1",
        8000,
        True,
        True,
    )


def test_environment_is_read_only_when_asked() -> None:
    settings = Settings.from_environ(
        {
            "EXCHANGE_DATA_DIR": "/srv/x",
            "EXCHANGE_DATABASE_URL": "postgresql://u:p@db/exchange",
            "EXCHANGE_PORT": "9000",
            "EXCHANGE_GRAPHIQL": "off",
            "EXCHANGE_INTROSPECTION": "false",
        }
    )
    assert settings.data_dir == Path("/srv/x")
    assert settings.effective_database_url == "postgresql+asyncpg://u:p@db/exchange"
    assert (settings.port, settings.graphiql, settings.introspection) == (9000, False, False)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EXCHANGE_PORT", "x", "must be an integer"),
        ("EXCHANGE_PORT", "0", "must be >= 1"),
        ("EXCHANGE_GRAPHIQL", "maybe", "true or false"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        Settings.from_environ({name: value})
    assert raised.value.errors[0].field == name
    assert message in raised.value.errors[0].message


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_key_encryption_key_falls_back_to_the_data_directory_file(tmp_path: Path) -> None:
    import base64

    assert Settings(data_dir=tmp_path).key_encryption_key_bytes is None
    key = bytes(range(32))
    (tmp_path / "key-encryption.key").write_text(base64.b64encode(key).decode() + "\n")
    assert Settings(data_dir=tmp_path).key_encryption_key_bytes == key
    configured = base64.b64encode(bytes(32)).decode()
    assert Settings(
        data_dir=tmp_path, key_encryption_key=configured
    ).key_encryption_key_bytes == bytes(32)


def test_a_port_past_16_bits_is_refused_by_name() -> None:
    import pytest

    from exchange.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        Settings.from_environ({"EXCHANGE_PORT": "70000"})
    assert refused.value.message == "EXCHANGE_PORT: EXCHANGE_PORT must be <= 65535"
