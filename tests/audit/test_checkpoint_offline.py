"""The instance key is published (``/.well-known/jwks.json``, ``keys export-jwks``), so a
checkpoint is checked offline by outside libraries, run as the README documents them."""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange.keys import jwks
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.signing.instance_key import key_id
from tests.cli_runner import invoke
from tests.conftest import World
from tests.manifests.test_interop import LIBRARIES, documented


def verifier(library: str) -> Any:
    """The README's ``verify_one`` for ``library``."""
    namespace: dict[str, Any] = {}
    exec(compile(documented()[library], f"README:{library}", "exec"), namespace)  # noqa: S102
    return namespace["verify_one"]


async def checkpoint(settings: Settings) -> dict[str, Any]:
    result = await invoke(settings, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def instance_key_of(document: dict[str, Any]) -> dict[str, Any]:
    keys: list[dict[str, Any]] = document["keys"]
    [key] = [k for k in keys if k["kid"].startswith("instance:")]
    return key


@pytest.mark.parametrize("library", LIBRARIES)
async def test_a_checkpoint_verifies_offline_with_the_published_instance_key(
    settings: Settings,
    runtime: Runtime,
    world: World,
    client: httpx.AsyncClient,
    tmp_path: Path,
    library: str,
) -> None:
    signed = await checkpoint(settings)
    published = (await client.get("/.well-known/jwks.json")).json()
    exported = await invoke(settings, "keys", "export-jwks", str(tmp_path / "jwks.json"))
    assert exported.exit_code == 0, exported.output
    key = instance_key_of(published)
    assert instance_key_of(json.loads((tmp_path / "jwks.json").read_text())) == key
    thumbprint = key_id(runtime.instance_key.public_key())
    assert key == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": key["x"],
        "kid": f"instance:{thumbprint}",
        "use": "sig",
        "alg": "EdDSA",
    }
    # the partners' keys stay usable; the instance's is set aside for manifests, by name
    ring = jwks.parse(published)
    assert ring.refused == {
        key["kid"]: "the instance's key: it signs audit checkpoints, not manifests"
    }

    [entry] = signed["signatures"]
    verify_one = verifier(library)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        statement = json.loads(verify_one({"payload": signed["payload"], **entry}, key))
        assert statement["type"] == "scholarly-exchange/audit-checkpoint"
        assert statement["seq"] > 0

        forged = {**statement, "seq": statement["seq"] + 1}
        payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        with pytest.raises(Exception):  # noqa: B017, PT011 - each library raises its own
            verify_one({"payload": payload, **entry}, key)
    verified = await invoke(
        settings, "audit", "verify", "--checkpoint", str(write(tmp_path, signed))
    )
    assert verified.exit_code == 0, verified.output


def write(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / "checkpoint.json"
    path.write_text(json.dumps(document))
    return path
