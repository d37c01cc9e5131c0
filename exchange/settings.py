"""One frozen settings object, built once at start-up from an injected environment.

Nothing in the package reads ``os.environ`` at import time: ``Settings.from_environ``
is called by the entry points (CLI, ASGI factory, tests) and the object is passed down.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from exchange.errors import FieldError, ValidationFailed
from exchange.messages import N_

PREFIX = "EXCHANGE_"
PORT_MAX = 65535  # TCP ports are 16 bits (RFC 9293 §3.1)


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValidationFailed(
        [FieldError(name, "invalid", N_("{name} must be true or false", name=name))]
    )


def _int(name: str, raw: str, minimum: int = 1, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(
            [FieldError(name, "invalid", N_("{name} must be an integer", name=name))]
        ) from None
    if value < minimum:
        raise ValidationFailed(
            [
                FieldError(
                    name, "too_small", N_("{name} must be >= {minimum}", name=name, minimum=minimum)
                )
            ]
        )
    if maximum is not None and value > maximum:
        raise ValidationFailed(
            [
                FieldError(
                    name, "too_large", N_("{name} must be <= {maximum}", name=name, maximum=maximum)
                )
            ]
        )
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the service. Environment variables are ``EXCHANGE_<FIELD>``."""

    data_dir: Path = Path("data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    graphiql: bool = True
    introspection: bool = True
    token_ttl_days: int = 30
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 50_000
    max_body_bytes: int = 1 << 20
    public_url: str = ""
    sign_in_attempts_per_account: int = 10
    sign_in_attempts_per_address: int = 50
    token_failures_per_address: int = 30
    rate_limit_window_seconds: int = 900
    log_level: str = "INFO"
    extra: Mapping[str, str] = field(default_factory=dict)
    storage: str = "local"
    storage_dir: Path | None = None
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = field(default="", repr=False)
    s3_addressing: str = "path"
    url_signing_key: str = field(default="", repr=False)
    key_encryption_key: str = field(default="", repr=False)
    session_idle_minutes: int = 120
    session_absolute_hours: int = 12

    def __post_init__(self) -> None:
        # Absolute URLs (stylesheet, OAI baseURL, transfer URLs) come from here, never from
        # the request's Host header.
        base = self.public_url or f"http://{self.host}:{self.port}"
        object.__setattr__(self, "public_url", base.rstrip("/"))

    @property
    def effective_storage_dir(self) -> Path:
        """Where the local storage backend keeps objects."""
        return self.storage_dir if self.storage_dir is not None else self.data_dir / "objects"

    @property
    def url_signing_key_path(self) -> Path:
        """Where the generated URL signing key is kept when none is configured."""
        return self.data_dir / "url-signing.key"

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'exchange.sqlite3').resolve()}"

    @property
    def key_encryption_key_bytes(self) -> bytes | None:
        """The 32-byte key that seals custodial signing keys: the setting, else the key file
        ``exchange demo`` leaves in the data directory, else None (custody disabled)."""
        if self.key_encryption_key:
            return base64.b64decode(self.key_encryption_key)
        path = self.data_dir / "key-encryption.key"
        return base64.b64decode(path.read_text("ascii").strip()) if path.is_file() else None

    @property
    def instance_key_path(self) -> Path:
        return self.data_dir / "instance-key.pem"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            return env.get(PREFIX + name)

        kwargs: dict[str, Any] = {}  # field name -> value, typed by the parser that made it
        if (raw := get("DATA_DIR")) is not None:
            kwargs["data_dir"] = Path(raw)
        if (raw := get("DATABASE_URL")) is not None:
            kwargs["database_url"] = _normalize_database_url(raw)
        if (raw := get("HOST")) is not None:
            kwargs["host"] = raw
        for name in (
            "PORT",
            "TOKEN_TTL_DAYS",
            "MAX_QUERY_DEPTH",
            "MAX_ALIASES",
            "MAX_TOKENS",
            "SESSION_IDLE_MINUTES",
            "SESSION_ABSOLUTE_HOURS",
            "MAX_COST",
            "MAX_BODY_BYTES",
            "SIGN_IN_ATTEMPTS_PER_ACCOUNT",
            "SIGN_IN_ATTEMPTS_PER_ADDRESS",
            "TOKEN_FAILURES_PER_ADDRESS",
            "RATE_LIMIT_WINDOW_SECONDS",
        ):
            if (raw := get(name)) is not None:
                top = PORT_MAX if name == "PORT" else None
                kwargs[name.lower()] = _int(PREFIX + name, raw, maximum=top)
        for name in ("GRAPHIQL", "INTROSPECTION"):
            if (raw := get(name)) is not None:
                kwargs[name.lower()] = _bool(PREFIX + name, raw)
        if (raw := get("LOG_LEVEL")) is not None:
            kwargs["log_level"] = raw.upper()
        for name, choices in (("STORAGE", ("local", "s3")), ("S3_ADDRESSING", ("path", "virtual"))):
            if (raw := get(name)) is not None:
                if raw.strip().lower() not in choices:
                    message = N_(
                        "{name} must be one of {choices}",
                        name=PREFIX + name,
                        choices=", ".join(choices),
                    )
                    raise ValidationFailed.single(PREFIX + name, "invalid", message)
                kwargs[name.lower()] = raw.strip().lower()
        if (raw := get("PUBLIC_URL")) is not None:
            kwargs["public_url"] = _public_url(PREFIX + "PUBLIC_URL", raw)
        if (raw := get("STORAGE_DIR")) is not None:
            kwargs["storage_dir"] = Path(raw)
        for name in (
            "S3_ENDPOINT",
            "S3_REGION",
            "S3_BUCKET",
            "S3_ACCESS_KEY_ID",
            "S3_SECRET_ACCESS_KEY",
            "URL_SIGNING_KEY",
        ):
            if (raw := get(name)) is not None:
                kwargs[name.lower()] = raw
        if (raw := get("KEY_ENCRYPTION_KEY")) is not None:
            kwargs["key_encryption_key"] = _key_encryption_key(PREFIX + "KEY_ENCRYPTION_KEY", raw)
        known = {PREFIX + n.upper() for n in cls.__dataclass_fields__}
        kwargs["extra"] = {k: v for k, v in env.items() if k.startswith(PREFIX) and k not in known}
        return cls(**kwargs)


def _key_encryption_key(name: str, raw: str) -> str:
    """Empty (custody disabled) or the base64 of exactly 32 bytes."""
    value = raw.strip()
    if not value:
        return ""
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != 32:
        raise ValidationFailed.single(
            name, "invalid", N_("{name} must be 32 bytes in base64", name=name)
        )
    return value


def _public_url(name: str, raw: str) -> str:
    """An absolute http(s) URL without query or fragment (a path prefix is kept)."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationFailed.single(
            name, "invalid", N_("{name} must be an http(s) URL", name=name)
        )
    return value


def _normalize_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs and pick the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
