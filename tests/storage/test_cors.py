"""The bucket's CORS rules for browser uploads, against moto's and s3rver's real servers:
checked, added next to the rules already there, and a clear reason when they cannot be."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from exchange.storage.cors import CorsOutcome, ensure_browser_uploads, origin_of, rule_allows
from exchange.storage.s3 import S3Storage
from tests.servers.moto import S3Server, create_bucket
from tests.servers.web import free_port
from tests.storage.conftest import SERVERS, s3_config

PAGES = "https://exchange.example.org"
_buckets = itertools.count()


@pytest.fixture(params=sorted(SERVERS))
async def bucket(request: pytest.FixtureRequest) -> AsyncIterator[S3Storage]:
    """A fresh bucket (CORS rules belong to a bucket) on each real server."""
    server: S3Server = request.getfixturevalue(SERVERS[request.param])
    fresh = replace(server, bucket=f"cors-{next(_buckets)}-{request.param}")
    create_bucket(fresh)
    storage = S3Storage(s3_config(fresh))
    yield storage
    await storage.aclose()


def _rules(storage: S3Storage) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = storage.client.get_bucket_cors(Bucket=storage.bucket)["CORSRules"]
    return [{k: v for k, v in rule.items() if k != "ID"} for rule in rules]


async def test_a_bucket_without_rules_gets_one_and_then_allows(bucket: S3Storage) -> None:
    first = await ensure_browser_uploads(bucket, PAGES + "/some/path")
    assert first.outcome is CorsOutcome.CONFIGURED
    assert first.origin == PAGES
    assert first.problem is None
    assert _rules(bucket) == [
        {
            "AllowedOrigins": [PAGES],
            "AllowedMethods": ["PUT", "GET"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3000,
        }
    ]
    again = await ensure_browser_uploads(bucket, PAGES)
    assert again.outcome is CorsOutcome.ALLOWED
    assert again.browser_uploads


async def test_rules_already_there_are_kept(bucket: S3Storage) -> None:
    other = {"AllowedOrigins": ["https://other.example"], "AllowedMethods": ["GET"]}
    bucket.client.put_bucket_cors(Bucket=bucket.bucket, CORSConfiguration={"CORSRules": [other]})
    check = await ensure_browser_uploads(bucket, PAGES)
    assert check.outcome is CorsOutcome.CONFIGURED
    rules = _rules(bucket)
    assert len(rules) == 2
    assert rules[0]["AllowedOrigins"] == ["https://other.example"]
    assert rules[0]["AllowedMethods"] == ["GET"]
    assert rules[1]["AllowedOrigins"] == [PAGES]


async def test_a_rule_that_hides_etag_is_not_enough(bucket: S3Storage) -> None:
    hiding = {"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"], "AllowedHeaders": ["*"]}
    bucket.client.put_bucket_cors(Bucket=bucket.bucket, CORSConfiguration={"CORSRules": [hiding]})
    check = await ensure_browser_uploads(bucket, PAGES, configure=False)
    assert check.outcome is CorsOutcome.REFUSED
    assert not check.browser_uploads
    assert check.problem == (
        f"no CORS rule of bucket {bucket.bucket} lets {PAGES} PUT and read ETag"
    )
    assert len(_rules(bucket)) == 1  # nothing changed


async def test_the_preflight_of_a_part_upload_passes_after_configuring(
    bucket: S3Storage,
) -> None:
    """The browser's own question (Fetch §4.8 CORS-preflight fetch) to the real server:
    s3rver enforces the rules; moto answers as it does."""
    await ensure_browser_uploads(bucket, PAGES)
    url = await bucket.presign_download("objects/probe", expires=timedelta(minutes=1))
    async with httpx.AsyncClient() as http:
        answer = await http.options(
            url,
            headers={
                "Origin": PAGES,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "content-type",
            },
        )
    assert answer.status_code == 200, answer.text
    assert "PUT" in answer.headers["access-control-allow-methods"]
    assert answer.headers["access-control-allow-origin"] in {PAGES, "*"}


async def test_an_unreachable_server_is_reported_not_raised() -> None:
    port = free_port()
    config = replace(
        s3_config(S3Server(f"http://127.0.0.1:{port}", "b", "k", "s")),
        max_attempts=1,
        connect_timeout=1,
    )
    storage = S3Storage(config)
    try:
        check = await ensure_browser_uploads(storage, PAGES)
    finally:
        await storage.aclose()
    assert check.outcome is CorsOutcome.REFUSED
    assert check.problem == "could not read the CORS rules of bucket b: EndpointConnectionError"


async def test_s3rver_refuses_a_stranger_and_the_reason_says_so(s3rver_server: S3Server) -> None:
    stranger = S3Storage(s3_config(replace(s3rver_server, access_key_id="STRANGER")))
    try:
        check = await ensure_browser_uploads(stranger, PAGES)
    finally:
        await stranger.aclose()
    assert check.outcome is CorsOutcome.REFUSED
    assert check.problem == (
        f"could not read the CORS rules of bucket {s3rver_server.bucket}: InvalidAccessKeyId"
    )


def test_what_a_rule_must_hold() -> None:
    full = {
        "AllowedOrigins": ["https://*.example.org"],
        "AllowedMethods": ["put"],
        "AllowedHeaders": ["Content-Type", "x-amz-*"],
        "ExposeHeaders": ["etag"],
    }
    assert rule_allows(full, PAGES)
    assert not rule_allows({**full, "AllowedOrigins": ["https://example.org"]}, PAGES)
    assert not rule_allows({**full, "AllowedMethods": ["GET"]}, PAGES)
    assert not rule_allows({**full, "AllowedHeaders": ["content-type"]}, PAGES)
    assert not rule_allows({**full, "ExposeHeaders": []}, PAGES)
    assert origin_of("HTTPS://Exchange.Example.org:8443/a?b") == "https://exchange.example.org:8443"
    with pytest.raises(ValueError, match="not an absolute URL"):
        origin_of("/relative")
