"""Helpers for digital-object tests: a scene (a work to attach to, people of every
entitlement) and runtimes on S3 (moto) beside the default one on local disk. The fixtures
that use them live in the conftest files."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from exchange.catalogue import service as works
from exchange.catalogue.models import WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity import service as identity_service
from exchange.identity import tokens as token_service
from exchange.identity.identity import SYSTEM, Identity, Role
from exchange.objects import uploads
from exchange.partners import service as partners
from exchange.partners.models import PartnerKind
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.storage.s3 import S3Config, S3Storage
from tests.conftest import World
from tests.servers.moto import S3Server

PDF = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Scene:
    """The world's partners plus an income-eligible one; a work of the national library."""

    world: World
    work_id: uuid.UUID
    national: uuid.UUID
    donor: uuid.UUID
    eligible: uuid.UUID
    people: dict[str, Identity]
    tokens: dict[str, str]


async def build_scene(runtime: Runtime, world: World) -> Scene:
    policy = runtime.policy
    async with runtime.db.unit_of_work() as uow:
        eligible = await partners.create(
            SYSTEM,
            partners.PartnerDraft(
                [("en", "Wonsan University Library")],
                "KP",
                PartnerKind.UNIVERSITY_LIBRARY,
                ["income-eligible"],
            ),
            uow=uow,
            policy=policy,
        )
        work = await works.create(
            SYSTEM,
            WorkDraft(
                WorkKind.TEXTBOOK,
                [("en", "Introduction to Hydrology")],
                "en",
                uuid.UUID(world.national),
            ),
            uow=uow,
            policy=policy,
        )
        tokens = dict(world.tokens)
        extra = [
            ("eligible_researcher", eligible.id, Role.RESEARCHER),
            ("outside_researcher", uuid.UUID(world.donor), Role.RESEARCHER),
        ]
        for key, partner_id, role in extra:
            account = await identity_service.create_account(
                SYSTEM,
                identity_service.AccountDraft(f"{key}@example.org", key),
                uow=uow,
                policy=policy,
            )
            await identity_service.add_membership(
                SYSTEM, account.id, partner_id, role, uow=uow, policy=policy
            )
            _token, tokens[key] = await token_service.issue_token(
                account, uow=uow, ttl=timedelta(days=1)
            )
    people: dict[str, Identity] = {}
    async with runtime.db.read() as session:
        for key, token in tokens.items():
            people[key] = await token_service.authenticate(session, token)
    return Scene(
        world,
        work.id,
        uuid.UUID(world.national),
        uuid.UUID(world.donor),
        eligible.id,
        people,
        tokens,
    )


def draft(data: bytes, work_id: uuid.UUID, **changes: object) -> uploads.UploadDraft:
    values: dict[str, object] = {
        "filename": "hydrology.pdf",
        "size": len(data),
        "sha256": sha256(data),
        "media_type": "application/pdf",
        "licence": "LicenseRef-Publisher-Terms",
        "attachment": uploads.Attachment(work_id=work_id),
    }
    values.update(changes)
    return uploads.UploadDraft(**values)  # type: ignore[arg-type]


def s3_storage(server: S3Server) -> S3Storage:
    config = S3Config(
        bucket=server.bucket,
        endpoint_url=server.endpoint,
        region=server.region,
        access_key_id=server.access_key_id,
        secret_access_key=server.secret_access_key,
        connect_timeout=1.0,
        read_timeout=3.0,
        max_attempts=2,
    )
    return S3Storage(config)


async def s3_runtime(settings: Settings, server: S3Server) -> Runtime:
    return Runtime.start(settings, storage=s3_storage(server))
