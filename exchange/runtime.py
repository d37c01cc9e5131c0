"""What a running instance holds: settings, database, policy engine, instance key, storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from exchange.db import files
from exchange.db.engine import Database
from exchange.policy import PolicyEngine
from exchange.settings import Settings
from exchange.signing.key_file import KeyFile
from exchange.storage import Storage, factory
from exchange.sync import ownership

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    db: Database
    policy: PolicyEngine
    key_file: KeyFile
    storage: Storage

    @property
    def instance_key(self) -> Ed25519PrivateKey:
        """The instance's signing key, read on first use (``exchange.signing.key_file``)."""
        return self.key_file.key

    @classmethod
    def start(
        cls,
        settings: Settings,
        policy: PolicyEngine | None = None,
        storage: Storage | None = None,
    ) -> Runtime:
        """Open everything the settings name; ``storage`` replaces the configured backend."""
        files.private_directory(settings.data_dir)
        return cls(
            settings=settings,
            db=Database(settings.effective_database_url, ownership.refuse_foreign_writes),
            policy=policy or PolicyEngine(),
            key_file=KeyFile.open(settings.instance_key_path),
            storage=storage or factory.build(settings),
        )

    async def close(self) -> None:
        try:
            await self.storage.aclose()
        finally:
            await self.db.dispose()
