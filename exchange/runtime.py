"""What a running instance holds: settings, database, policy engine, instance key."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.db.engine import Database
from exchange.policy import PolicyEngine
from exchange.settings import Settings
from exchange.signing import instance_key


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    db: Database
    policy: PolicyEngine
    instance_key: Ed25519PrivateKey

    @classmethod
    def start(cls, settings: Settings, policy: PolicyEngine | None = None) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            db=Database(settings.effective_database_url),
            policy=policy or PolicyEngine(),
            instance_key=instance_key.load_or_create(settings.instance_key_path),
        )

    async def close(self) -> None:
        await self.db.dispose()
