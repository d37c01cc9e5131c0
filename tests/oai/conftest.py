"""Every OAI-PMH response the tests receive is validated against the protocol's XSD.

The ``client`` of these tests checks each response from ``/oai`` with ``xmllint
--schema`` against ``../shared/testdata/xsd/oai-all.xsd``, a wrapper that imports the
official OAI-PMH 2.0, oai_dc and MARC21slim schemas, so that the metadata inside a record
is checked as strictly as the envelope. A test never sees an invalid response pass.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from exchange.app import create_app
from exchange.runtime import Runtime
from exchange.settings import Settings

SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "xsd" / "oai-all.xsd"


def validate(document: bytes) -> None:
    """Raise AssertionError with xmllint's messages unless ``document`` is valid OAI-PMH."""
    xmllint = shutil.which("xmllint")
    assert xmllint is not None, "xmllint is missing: apt-get install libxml2-utils"
    assert SCHEMA.is_file(), f"{SCHEMA} is missing"
    checked = subprocess.run(
        [xmllint, "--noout", "--nonet", "--schema", str(SCHEMA), "-"],
        input=document,
        capture_output=True,
        check=False,
    )
    message = checked.stderr.decode("utf-8", "replace")
    assert checked.returncode == 0, f"not valid OAI-PMH:\n{message}\n{document.decode()}"


async def _validated(response: httpx.Response) -> None:
    if response.request.url.path == "/oai":
        validate(await response.aread())


@pytest.fixture
async def client(settings: Settings, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The application's client, validating every OAI-PMH response it receives."""
    app = create_app(settings, runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        event_hooks={"response": [_validated]},
    ) as http:
        yield http


def test_an_invalid_response_is_caught() -> None:
    with pytest.raises(AssertionError, match="not valid OAI-PMH"):
        validate(
            b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            b"<responseDate>yesterday</responseDate></OAI-PMH>"
        )
