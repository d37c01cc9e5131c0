"""Invoking the ``exchange`` command in-process, off the test's event loop."""

from __future__ import annotations

from functools import partial

import anyio.to_thread
from click.testing import CliRunner, Result

from exchange.cli.main import cli
from exchange.settings import Settings


def environment(settings: Settings) -> dict[str, str]:
    env = {
        "EXCHANGE_DATA_DIR": str(settings.data_dir),
        "EXCHANGE_DATABASE_URL": settings.database_url,
    }
    if settings.key_encryption_key:
        env["EXCHANGE_KEY_ENCRYPTION_KEY"] = settings.key_encryption_key
    if settings.storage == "s3":
        env |= {
            "EXCHANGE_STORAGE": "s3",
            "EXCHANGE_S3_ENDPOINT": settings.s3_endpoint,
            "EXCHANGE_S3_BUCKET": settings.s3_bucket,
            "EXCHANGE_S3_ACCESS_KEY_ID": settings.s3_access_key_id,
            "EXCHANGE_S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key,
        }
    return env


async def invoke(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    runner = CliRunner()
    call = partial(
        runner.invoke,
        cli,
        list(args),
        input=stdin,
        env=environment(settings),
        catch_exceptions=False,
    )
    return await anyio.to_thread.run_sync(call)
