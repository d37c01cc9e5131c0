from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange import periods
from exchange.cli.output import say, say_block
from exchange.cli.runner import fail, with_runtime
from exchange.errors import ExchangeError
from exchange.identity.identity import SYSTEM
from exchange.ids import parse_id
from exchange.keys import jwks, material
from exchange.keys import service as keys
from exchange.keys.custody import Custody
from exchange.runtime import Runtime


def read_passphrase(enabled: bool) -> bytes | None:
    """The first line of standard input, when ``--passphrase-stdin`` was given."""
    if not enabled:
        return None
    passphrase = sys.stdin.readline().rstrip("\r\n").encode("utf-8")
    if not passphrase:
        raise click.UsageError("the passphrase on standard input is empty")
    return passphrase


def fail_on_domain_error(error: ExchangeError) -> SystemExit:
    return fail(error)


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only; never overwrite a key."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.UsageError(f"{path} exists: not overwriting a key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@click.group(name="keys")
def keys_group() -> None:
    """Partners' Ed25519 signing keys."""


@keys_group.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase-stdin", is_flag=True, help="Encrypt the key with a passphrase.")
def generate(out: Path, passphrase_stdin: bool) -> None:
    """Make a key pair: the private key goes to --out (mode 0600), the public JWK to stdout."""
    passphrase = read_passphrase(passphrase_stdin)
    key = Ed25519PrivateKey.generate()
    write_private(out, material.private_pem(key, passphrase))
    say_block(json.dumps(material.public_jwk(key.public_key()), indent=2))


@keys_group.command()
@click.option("--partner", "partner_id", required=True, help="The partner's id.")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PEM public key, or the JWK printed by 'keys generate'.",
)
@click.pass_context
def register(ctx: click.Context, partner_id: str, public_key: Path) -> None:
    """Register a partner's public key (as the system); prints its kid."""

    data = public_key.read_bytes()

    async def work(runtime: Runtime) -> str:
        key = material.load_public(data)
        async with runtime.db.unit_of_work() as uow:
            row = await keys.register(
                SYSTEM, parse_id(partner_id, "partner"), key, uow=uow, policy=runtime.policy
            )
        return row.kid

    say(with_runtime(ctx, work))


@keys_group.command(name="create-custodial")
@click.option("--partner", "partner_id", required=True, help="The partner's id.")
@click.pass_context
def create_custodial(ctx: click.Context, partner_id: str) -> None:
    """Generate a key the server keeps for a partner (needs EXCHANGE_KEY_ENCRYPTION_KEY)."""

    async def work(runtime: Runtime) -> str:
        custody = Custody(runtime.settings.key_encryption_key_bytes)
        async with runtime.db.unit_of_work() as uow:
            row = await keys.create_custodial(
                SYSTEM,
                parse_id(partner_id, "partner"),
                uow=uow,
                policy=runtime.policy,
                custody=custody,
            )
        return row.kid

    say(with_runtime(ctx, work))


@keys_group.command()
@click.argument("kid")
@click.option(
    "--at",
    "at",
    default=None,
    help="Revocation time, RFC 3339 with a zone (default now; earlier for a late-found "
    "leak). On a key already revoked it moves the revocation earlier, never later.",
)
@click.pass_context
def revoke(ctx: click.Context, kid: str, at: str | None) -> None:
    """Revoke a key: what it signed before the revocation time still verifies.

    A kid may begin with "-": put it after "--" (exchange keys revoke -- KID)."""
    moment = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise click.UsageError(f"--at {at!r} is not an RFC 3339 time") from None
        if (problem := periods.instant_problem(moment, "at")) is not None:
            raise click.UsageError(f"--at: {problem.message}")

    async def work(runtime: Runtime) -> str:
        async with runtime.db.unit_of_work() as uow:
            row = await keys.revoke(SYSTEM, kid, moment, uow=uow, policy=runtime.policy)
        return f"revoked {row.kid} at {row.snapshot()['revoked_at']}"

    say(with_runtime(ctx, work))


@keys_group.command(name="export-jwks")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export_jwks(ctx: click.Context, output: Path) -> None:
    """Write every partner's public keys and the instance's own (kid "instance:...", which
    signs audit checkpoints) as a JWKS: what /.well-known/jwks.json serves."""

    async def work(runtime: Runtime) -> dict[str, Any]:
        async with runtime.db.read() as session:
            document = await jwks.build(SYSTEM, session=session, policy=runtime.policy)
        return jwks.with_instance_key(document, runtime.instance_key.public_key())

    document = with_runtime(ctx, work)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {len(document['keys'])} keys to {output}")
