"""A denial names the action it refuses in words, in English and in Korean: never by the
policy's internal name (``allocation.release``), on an error page or in the answer the
upload page's script shows (found trying the pages as a librarian, issue 17)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest

from exchange import errors
from exchange.identity.identity import Grant, Identity, Role
from exchange.pages.action_labels import ACTIONS
from exchange.pages.i18n import Language, translations
from exchange.policy import PLATFORM
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import member_signed_in, rows
from tests.shipments.scene import allocate, make_scene

SCHEMA = Path(__file__).resolve().parents[2] / "policies" / "schema.cedarschema"
# ``action "read";`` declares a group (no check names it); the others are actions.
DECLARED = re.compile(r'^\s*action "([^"]+)"(;?)', re.MULTILINE)
INTERNAL = re.compile(r"\b[a-z]+\.[a-z]+(?:\.[a-z]+)?\b")  # allocation.release, request.note.read


def test_every_policy_action_has_a_label_in_english_and_korean() -> None:
    actions = {name for name, group in DECLARED.findall(SCHEMA.read_text("utf-8")) if not group}
    assert len(actions) > 50  # the schema is read
    assert sorted(actions - set(ACTIONS)) == []
    korean = translations("ko")
    assert sorted(a for a, label in ACTIONS.items() if korean.gettext(label) == label) == []


def test_a_denial_is_said_with_the_actions_label(runtime: Runtime, world: World) -> None:
    librarian = Identity(uuid.uuid4(), grants=(Grant(uuid.UUID(world.donor), Role.LIBRARIAN),))
    with pytest.raises(errors.PermissionDenied) as denied:
        runtime.policy.require(librarian, "partner.create", PLATFORM)
    message = denied.value.message
    assert message == "not allowed to partner.create: only admins may"  # CLI, GraphQL, logs
    assert Language("en", translations("en")).say(message) == (
        "not allowed to register a partner: only admins may"
    )
    assert Language("ko", translations("ko")).say(message) == (
        "협력기관 등록 권한이 없습니다: 관리자만 할 수 있습니다"
    )


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "not allowed to release this allocation: only coordinators, admins or librarians"
            " of the requesting partner may",
        ),
        (
            "ko",
            "이 배정 해제 권한이 없습니다: 조정자, 관리자 또는 요청 기관의 사서만 할 수 있습니다",
        ),
    ],
)
async def test_a_refused_release_names_the_action_in_words_and_changes_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World, lang: str, said: str
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    allocation = await allocate(runtime, scene, scene.national, scene.print_line, 1)
    csrf = await member_signed_in(
        client, runtime, "donor-librarian@example.org", scene.donor, Role.LIBRARIAN
    )
    client.cookies.set("lang", lang)
    everything = "SELECT id, state FROM allocation ORDER BY id"
    before = await rows(runtime, everything)
    refused = await client.post(
        f"/allocations/{allocation}/release", data={"csrf": csrf, "back": "/board"}
    )
    assert refused.status_code == 403
    assert f'<p id="problem">{said}</p>' in refused.text
    assert "allocation.release" not in refused.text
    assert await rows(runtime, everything) == before


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "not allowed to upload a file: only librarians of the owning partner or admins may"),
        ("ko", "파일 업로드 권한이 없습니다: 소유 기관의 사서 또는 관리자만 할 수 있습니다"),
    ],
)
async def test_the_upload_script_is_told_a_denial_in_words(
    client: httpx.AsyncClient, runtime: Runtime, world: World, lang: str, said: str
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    csrf = await member_signed_in(
        client, runtime, "reader@example.org", scene.national, Role.RESEARCHER
    )
    client.cookies.set("lang", lang)
    answer = await client.post(
        "/uploads/start",
        data={
            "csrf": csrf,
            "work": str(scene.works[0]),
            "owner": str(scene.national),
            "filename": "a.pdf",
            "size": "3",
            "sha256": "a" * 64,
            "media_type": "application/pdf",
            "licence": "CC-BY-4.0",
        },
    )
    assert answer.status_code == 403, answer.text
    assert answer.json() == {"error": said}
    assert not INTERNAL.search(answer.json()["error"])
    assert await rows(runtime, "SELECT count(*) FROM digital_object") == [(0,)]


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "a tag is lowercase letters, digits and hyphens"), ("ko", None)],
)
async def test_the_upload_script_is_told_a_field_error_without_the_domains_field_name(
    client: httpx.AsyncClient, runtime: Runtime, world: World, lang: str, said: str | None
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    csrf = await member_signed_in(client, runtime, "owner@example.org", scene.donor, Role.LIBRARIAN)
    client.cookies.set("lang", lang)
    answer = await client.post(
        "/uploads/start",
        data={
            "csrf": csrf,
            "work": str(scene.works[0]),
            "filename": "a.pdf",
            "size": "3",
            "sha256": "a" * 64,
            "media_type": "application/pdf",
            "licence": "CC-BY-4.0",
            "required_tag": "NOT A TAG",
        },
    )
    assert answer.status_code == 400, answer.text
    body = answer.json()
    expected = said or translations("ko").gettext("a tag is lowercase letters, digits and hyphens")
    assert body == {"error": expected, "fields": {"requiredTag": expected}}
    assert "requiredTag" not in body["error"]
    assert await rows(runtime, "SELECT count(*) FROM digital_object") == [(0,)]
