"""The storage backend that the settings ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from exchange.errors import ValidationFailed
from exchange.messages import N_
from exchange.settings import Settings
from exchange.storage.base import Storage
from exchange.storage.local import LocalStorage
from exchange.storage.signed_urls import MIN_KEY_BYTES, UrlSigner, load_or_create_key

if TYPE_CHECKING:
    from exchange.storage.s3 import S3Config


def url_signer(settings: Settings) -> UrlSigner:
    """The signer of local storage URLs: the configured key, else one generated on first
    start and kept in the data directory."""
    if settings.url_signing_key:
        secret = settings.url_signing_key.encode()
        if len(secret) < MIN_KEY_BYTES:
            raise ValidationFailed.single(
                "EXCHANGE_URL_SIGNING_KEY",
                "too_short",
                N_("use at least {min_key_bytes} bytes", min_key_bytes=MIN_KEY_BYTES),
            )
        return UrlSigner(secret)
    return UrlSigner(load_or_create_key(settings.url_signing_key_path))


def s3_config(settings: Settings) -> S3Config:
    from exchange.storage.s3 import S3Config  # boto3 is imported only for the S3 backend

    if not settings.s3_bucket:
        raise ValidationFailed.single(
            "EXCHANGE_S3_BUCKET", "required", "the S3 backend needs a bucket"
        )
    addressing: Literal["path", "virtual"] = (
        "virtual" if settings.s3_addressing == "virtual" else "path"
    )
    return S3Config(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint or None,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id or None,
        secret_access_key=settings.s3_secret_access_key or None,
        addressing_style=addressing,
    )


def build(settings: Settings) -> Storage:
    """The configured backend (blocking: reads or creates key files; call at start-up)."""
    if settings.storage == "s3":
        from exchange.storage.s3 import S3Storage  # boto3: ~0.1 s and 15 MiB (issue 15)

        return S3Storage(s3_config(settings))
    return LocalStorage(settings.effective_storage_dir, url_signer(settings))
