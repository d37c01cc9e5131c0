"""The URLs that ``LocalStorage`` signs with the application's key, and what a verified one allows.

Each URL is ``<url_prefix>/<key>?…&expires=…&sig=…`` (signed by ``UrlSigner``) and is
served by the routes of ``exchange.pages.storage``: an upload names its size and SHA-256,
a part its upload id and number, a download the filename and media type it is sent with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from exchange.storage.base import UploadTicket, check_key, check_part_number
from exchange.storage.errors import SignatureInvalid
from exchange.storage.integrity import check_sha256, check_size
from exchange.storage.signed_urls import UrlSigner


@dataclass(frozen=True, slots=True)
class UploadGrant:
    """What a verified upload URL allows: exactly ``size`` bytes hashing to ``sha256``."""

    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    """What a verified download URL names: the attachment's filename and media type."""

    filename: str | None
    media_type: str | None


@dataclass(frozen=True, slots=True)
class PartGrant:
    upload_id: str
    part_number: int


class LocalUrls:
    """Signs and verifies the upload, part and download URLs under ``url_prefix``."""

    def __init__(self, signer: UrlSigner, url_prefix: str) -> None:
        self.signer = signer
        self.url_prefix = url_prefix

    def upload(self, key: str, *, size: int, sha256: str, expires: timedelta) -> UploadTicket:
        """A PUT of exactly ``size`` bytes hashing to ``sha256``; ``InvalidKey`` or
        ``ValidationFailed`` for a bad key, size or digest."""
        check_key(key)
        check_size(size)
        check_sha256(sha256)
        params = self.signer.sign("PUT", key, {"size": str(size), "sha256": sha256}, expires)
        return UploadTicket(
            url=self._url(key, params),
            method="PUT",
            headers={"Content-Length": str(size)},
            expires_at=datetime.fromtimestamp(int(params["expires"]), UTC),
        )

    def download(
        self,
        key: str,
        *,
        expires: timedelta,
        filename: str | None = None,
        media_type: str | None = None,
    ) -> str:
        """The signed URL names the filename and media type that the route serves."""
        check_key(key)
        extra = {} if filename is None else {"filename": filename}
        if media_type is not None:
            extra["type"] = media_type
        return self._url(key, self.signer.sign("GET", key, extra, expires))

    def part(self, key: str, upload_id: str, part_number: int, *, expires: timedelta) -> str:
        """A PUT of part ``part_number`` (1 to 10,000) of a multipart upload."""
        check_key(key)
        check_part_number(part_number)
        params = {"uploadId": upload_id, "partNumber": str(part_number)}
        return self._url(key, self.signer.sign("PUT", key, params, expires))

    def verify_upload(self, key: str, query: dict[str, str]) -> UploadGrant:
        """What a signed upload URL allows (``SignedUrlRejected`` when it allows nothing)."""
        params = self.signer.verify("PUT", check_key(key), query)
        if "size" not in params or "sha256" not in params:
            raise SignatureInvalid()
        return UploadGrant(int(params["size"]), params["sha256"])

    def verify_part(self, key: str, query: dict[str, str]) -> PartGrant:
        """The upload id and part number a signed part URL names (``SignedUrlRejected``)."""
        params = self.signer.verify("PUT", check_key(key), query)
        if "uploadId" not in params or "partNumber" not in params:
            raise SignatureInvalid()
        return PartGrant(params["uploadId"], int(params["partNumber"]))

    def verify_download(self, key: str, query: dict[str, str]) -> DownloadGrant:
        """The download filename and media type a signed GET URL names, if any."""
        params = self.signer.verify("GET", check_key(key), query)
        return DownloadGrant(params.get("filename"), params.get("type"))

    def _url(self, key: str, params: dict[str, str]) -> str:
        return f"{self.url_prefix}/{key}?{urlencode(params)}"
