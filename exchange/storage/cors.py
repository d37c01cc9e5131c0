"""Browser uploads straight to an S3 bucket need the bucket's CORS configuration to let the
instance's pages in: ``ensure_browser_uploads`` checks it, adds a rule when it may, and
otherwise says what is missing.

A page of ``https://exchange.example.org`` that PUTs a part to a presigned URL of the
bucket is a cross-origin request (Fetch Standard §3.2, CORS protocol): the browser first
sends a preflight ``OPTIONS`` and the bucket must answer with the page's origin, the method
``PUT`` and the request headers (Content-Type, ``x-amz-checksum-sha256``); the page then
reads the part's ``ETag`` only if the bucket lists it in ``Access-Control-Expose-Headers``
(Fetch §3.2.5). S3 matches one ``CORSRule`` per request (AWS S3 user guide, "Elements of a
CORS configuration"): a rule serves only if it names the origin (or ``*``), the method,
every requested header (or ``*``) and exposes ``ETag``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from anyio import to_thread

if TYPE_CHECKING:  # botocore and boto3 load only when the storage is S3
    from botocore.exceptions import BotoCoreError, ClientError

    from exchange.storage.s3 import S3Storage

NO_CONFIGURATION = "NoSuchCORSConfiguration"
# What the pages send with a PUT (the single-URL ticket's signed headers included).
REQUEST_HEADERS = ("content-type", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm")
MAX_AGE_SECONDS = 3000


class CorsOutcome(enum.StrEnum):
    ALLOWED = "allowed"  # a rule already lets the origin upload and read ETag
    CONFIGURED = "configured"  # no rule did; one was added
    REFUSED = "refused"  # none does, and the server refused to show or change the rules


@dataclass(frozen=True, slots=True)
class CorsCheck:
    """What the bucket's CORS configuration means for browser uploads from ``origin``;
    ``problem`` says why they will fail (``None`` unless ``outcome`` is REFUSED)."""

    origin: str
    outcome: CorsOutcome
    problem: str | None = None

    @property
    def browser_uploads(self) -> bool:
        return self.outcome is not CorsOutcome.REFUSED


def origin_of(url: str) -> str:
    """The origin (RFC 6454 §4: scheme, host, port if given) of ``url``, lowercased:
    ``https://Example.org:8443/x`` gives ``https://example.org:8443``."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _matches(patterns: Sequence[str], value: str) -> bool:
    # S3 allows one "*" wildcard in an origin or header pattern, case-insensitively
    return any(
        re.fullmatch(".*".join(map(re.escape, str(p).lower().split("*"))), value.lower())
        for p in patterns
    )


def rule_allows(rule: Mapping[str, Any], origin: str) -> bool:
    """Whether one ``CORSRule`` (boto3's shape) lets ``origin`` PUT with the pages' headers
    and read ``ETag``."""
    exposed = {str(h).lower() for h in rule.get("ExposeHeaders", [])}
    return (
        _matches(rule.get("AllowedOrigins", []), origin)
        and "PUT" in {str(m).upper() for m in rule.get("AllowedMethods", [])}
        and all(_matches(rule.get("AllowedHeaders", []), h) for h in REQUEST_HEADERS)
        and "etag" in exposed
    )


def upload_rule(origin: str) -> dict[str, Any]:
    """The rule added for ``origin``: PUT (parts and whole objects) and GET, any request
    header, ``ETag`` readable."""
    return {
        "AllowedOrigins": [origin],
        "AllowedMethods": ["PUT", "GET"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": MAX_AGE_SECONDS,
    }


def _code(error: ClientError | BotoCoreError) -> str:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) or "error"
    return type(error).__name__


async def ensure_browser_uploads(
    storage: S3Storage, public_url: str, *, configure: bool = True
) -> CorsCheck:
    """Check that the bucket's CORS rules let pages of ``public_url`` upload (see the
    module's note); when none does and ``configure`` is true, add ``upload_rule`` to the
    rules already there (PutBucketCors replaces the whole configuration, so they are kept).

    Never raises for the server's answers: an unreachable server, a denial (AccessDenied)
    or a server without the CORS calls gives REFUSED with the reason in ``problem``.
    ``ValueError`` when ``public_url`` is not an absolute URL."""
    from botocore.exceptions import BotoCoreError, ClientError

    origin = origin_of(public_url)
    client, bucket = storage.client, storage.bucket
    try:
        answer = await to_thread.run_sync(lambda: client.get_bucket_cors(Bucket=bucket))
        rules: list[dict[str, Any]] = list(answer.get("CORSRules", []))
    except ClientError as error:
        if _code(error) != NO_CONFIGURATION:
            return CorsCheck(origin, CorsOutcome.REFUSED, _refusal("read", bucket, error))
        rules = []
    except BotoCoreError as error:
        return CorsCheck(origin, CorsOutcome.REFUSED, _refusal("read", bucket, error))
    if any(rule_allows(rule, origin) for rule in rules):
        return CorsCheck(origin, CorsOutcome.ALLOWED)
    if not configure:
        problem = f"no CORS rule of bucket {bucket} lets {origin} PUT and read ETag"
        return CorsCheck(origin, CorsOutcome.REFUSED, problem)
    configuration = {"CORSRules": [*rules, upload_rule(origin)]}
    try:
        await to_thread.run_sync(
            lambda: client.put_bucket_cors(Bucket=bucket, CORSConfiguration=configuration)
        )
    except (ClientError, BotoCoreError) as error:
        return CorsCheck(origin, CorsOutcome.REFUSED, _refusal("set", bucket, error))
    return CorsCheck(origin, CorsOutcome.CONFIGURED)


def _refusal(verb: str, bucket: str, error: ClientError | BotoCoreError) -> str:
    return f"could not {verb} the CORS rules of bucket {bucket}: {_code(error)}"
