"""Domain messages on Korean pages are Korean: every message template of the domain (and
every word of ``policies/`` a denial quotes) has a Korean translation with the same fields,
no domain error is built from text the catalogue cannot know (an f-string or a sum), and a
Korean page showing a field error, a conflict or a denial shows it in Korean."""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from exchange import errors
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import IdentifierScheme, WorkKind
from exchange.catalogue.validation import WorkDraft
from exchange.identity.identity import SYSTEM, Grant, Identity, Role
from exchange.messages import N_, Message
from exchange.offers.models import OfferState
from exchange.pages import labels
from exchange.pages.i18n import Language, translations
from exchange.policy import PLATFORM
from exchange.policy.annotations import extract as extract_cedar
from exchange.runtime import Runtime
from exchange.shipments import workflow
from exchange.shipments.errors import IllegalTransition
from exchange.shipments.models import ShipmentState
from exchange.shipments.workflow import Action, Facts
from tests.conftest import World, db_state
from tests.pages.people import member_signed_in, person, sign_in
from tests.shipments.scene import allocate, make_scene

ROOT = Path(__file__).resolve().parents[2]
# The error constructors whose literal message argument is extracted (scripts/messages.sh),
# with the position of that argument.
MESSAGE_AT = {
    "FieldError": 2,
    "single": 2,
    "Conflict": 0,
    "Unauthenticated": 0,
    "NotFound": 0,
    "InsufficientQuantity": 0,
    "fail": 2,
    "ExchangeError": 0,
    "RateLimited": 0,
    "SigningUnavailable": 0,
}
FIELD = re.compile(r"\{(\w+)\}")


def _domain_files() -> list[Path]:
    skipped = {"pages", "api", "cli"}
    return [
        path
        for path in sorted((ROOT / "exchange").rglob("*.py"))
        if not skipped & set(path.relative_to(ROOT / "exchange").parts)
    ]


def _name(call: ast.Call) -> str:
    return str(getattr(call.func, "attr", None) or getattr(call.func, "id", None))


def _templates() -> dict[str, str]:
    """Each message template of the domain and of the policies, with where it is."""
    found: dict[str, str] = {}
    for path in _domain_files():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            at = 0 if _name(node) == "N_" else MESSAGE_AT.get(_name(node))
            if at is None or len(node.args) <= at:
                continue
            argument = node.args[at]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.setdefault(argument.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    for path in sorted((ROOT / "policies").glob("*.cedar")):
        with path.open("rb") as handle:
            for line, _function, text, _comments in extract_cedar(handle, None, None, None):
                found.setdefault(text, f"{path.relative_to(ROOT)}:{line}")
    return found


def test_every_domain_message_template_has_a_korean_translation_with_its_fields() -> None:
    templates = _templates()
    assert len(templates) > 200  # the walk finds the messages
    korean = translations("ko")
    untranslated = sorted(
        where for text, where in templates.items() if korean.gettext(text) == text
    )
    assert untranslated == [], "run bash scripts/messages.sh and translate these"
    mismatched = sorted(
        text
        for text in templates
        if set(FIELD.findall(korean.gettext(text))) != set(FIELD.findall(text))
    )
    assert mismatched == []


def test_no_domain_error_is_built_from_text_the_catalogue_cannot_know() -> None:
    """A message made by an f-string, ``+`` or ``%`` has no template to look up: it must be
    ``N_("… {field} …", field=value)`` instead."""
    built = []
    for path in _domain_files():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and _name(node) in MESSAGE_AT:
                at = MESSAGE_AT[_name(node)]
                if len(node.args) > at and isinstance(node.args[at], ast.JoinedStr | ast.BinOp):
                    built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert built == []


def test_a_message_reads_as_english_and_is_said_in_korean_with_its_values() -> None:
    message = N_("at most {limit} characters", limit=500)
    assert message == "at most 500 characters"
    korean = Language("ko", translations("ko"))
    assert korean.say(message) == "500자 이하"
    nested = errors.InsufficientQuantity("offer", uuid.uuid4(), 2).message
    assert nested == "only 2 left on the offer line"
    assert korean.say(nested) == "제공 항목에 2개만 남았습니다"
    assert korean.say(Message("a value the catalogue does not know")) == (
        "a value the catalogue does not know"
    )


@pytest.fixture
async def korean_librarian(client: httpx.AsyncClient, runtime: Runtime, world: World) -> str:
    """The donor's librarian, signed in, reading Korean; returns the session's CSRF token."""
    await person(runtime, "lena@example.org", world.donor, Role.LIBRARIAN)
    async with runtime.db.unit_of_work() as uow:
        draft = WorkDraft(
            WorkKind.TEXTBOOK, [("en", "Calculus")], "eng", partner_id=uuid.UUID(world.donor)
        )
        await catalogue.create(SYSTEM, draft, uow=uow, policy=runtime.policy)
    csrf = await sign_in(client, "lena@example.org")
    client.cookies.set("lang", "ko")
    return csrf


async def test_a_korean_offer_form_shows_the_domain_field_errors_in_korean(
    client: httpx.AsyncClient, runtime: Runtime, world: World, korean_librarian: str
) -> None:
    form = {
        "csrf": korean_librarian,
        "line_count": "1",
        "partner": world.donor,
        "expires": "2001-01-01",
        "terms": "",
        "licence": "",
        "line-0-query": "",
        "line-0-work": str(uuid.uuid4()),
        "line-0-quantity": "1",
        "line-0-format": "print",
        "line-0-condition": "",
        "action": "save",
    }
    response = await client.post("/offers/new", data=form)
    assert response.status_code == 400
    assert '<html lang="ko"' in response.text
    condition = "인쇄본 항목에는 상태(새것, 양호 또는 보통)가 필요합니다"
    assert f'id="line-0-condition-error">{condition}<' in response.text
    assert 'id="expires-error">만료 시각은 미래여야 합니다<' in response.text
    assert "a PRINT line" not in response.text
    # the quantity's bound is the service's, said in Korean too
    response = await client.post("/offers/new", data=form | {"line-0-quantity": "0"})
    assert response.status_code == 400
    assert 'id="line-0-quantity-error">1에서 100000 사이<' in response.text
    assert "between 1 and" not in response.text
    async with runtime.db.read() as session:
        connection = await session.connection()
        count = (await connection.execute(sa.text("SELECT count(*) FROM offer"))).scalar_one()
    assert count == 0


async def test_a_korean_refusal_page_says_the_denial_and_its_reason_in_korean(
    client: httpx.AsyncClient, runtime: Runtime, world: World, korean_librarian: str
) -> None:
    line = uuid.uuid4()
    refused = await client.post(
        f"/request-lines/{line}/claim",
        data={"csrf": korean_librarian, "offer_line": str(uuid.uuid4()), "quantity": "0"},
    )
    assert refused.status_code == 400
    assert "수량: 1에서 100000 사이" in refused.text  # the field by its label too

    offer_line = uuid.uuid4()
    missing = await client.post(
        f"/request-lines/{line}/claim",
        data={"csrf": korean_librarian, "offer_line": str(offer_line), "quantity": "1"},
    )
    assert missing.status_code == 404
    assert '<p id="problem">찾을 수 없습니다: 제공 항목</p>' in missing.text
    assert str(offer_line) not in missing.text  # an id is no name


def test_a_policy_denial_names_who_may_in_korean(runtime: Runtime, world: World) -> None:
    librarian = Identity(uuid.uuid4(), grants=(Grant(uuid.UUID(world.donor), Role.LIBRARIAN),))
    with pytest.raises(errors.PermissionDenied) as denied:
        runtime.policy.require(librarian, "partner.create", PLATFORM)
    assert denied.value.message == "not allowed to partner.create: only admins may"
    korean = Language("ko", translations("ko"))
    assert (
        korean.say(denied.value.message) == "협력기관 등록 권한이 없습니다: 관리자만 할 수 있습니다"
    )


def test_enum_values_and_field_names_in_a_message_are_said_by_their_labels() -> None:
    """States, actions and formats inside a message are internal names; a page says their
    labels (``exchange.pages.labels``), in sentences that read naturally in English and in
    Korean, and a field error's field too."""
    korean = Language("ko", translations("ko"))
    english = Language("en", translations("en"))
    illegal = IllegalTransition(
        "receive", "received_with_discrepancy", ("cancel", "lose"), uuid.uuid4()
    )
    assert english.say(illegal.message) == (
        "cannot confirm receipt: the shipment's state is received with discrepancy; "
        "allowed: cancel, mark lost"
    )
    assert korean.say(illegal.message) == (
        "수령 확인할 수 없습니다: 발송물이 불일치 수령 상태입니다. 허용되는 동작: 취소, 분실로 표시"
    )
    assert str(illegal.message) == (
        "cannot receive: the shipment's state is received_with_discrepancy; allowed: cancel, lose"
    )  # the CLI and GraphQL keep the internal names
    nothing = IllegalTransition("mark_in_transit", "lost", (), uuid.uuid4())
    assert english.say(nothing.message) == (
        "cannot mark in transit: the shipment's state is lost; allowed: none"
    )
    assert korean.say(nothing.message) == (
        "운송 중으로 표시할 수 없습니다: 발송물이 분실 상태입니다. 허용되는 동작: 없음"
    )
    offer = N_("cannot {verb}: the offer's state is {current}", verb="publish", current="withdrawn")
    assert english.say(offer) == "cannot publish: the offer's state is withdrawn"
    assert korean.say(offer) == "게시할 수 없습니다: 제공이 철회 상태입니다"
    assert korean.say(N_("the shipment is {state}", state="in_transit")) == (
        "발송물이 운송 중 상태입니다"
    )
    assert korean.say(N_("the offer is {offer_state}", offer_state="expired")) == (
        "제공이 만료 상태입니다"
    )
    assert korean.gettext("an offer with DIGITAL lines needs a licence") == (
        "전자 항목이 있는 제공에는 라이선스가 필요합니다"
    )
    assert korean.field("filters") == "조회 조건"
    assert korean.field("line-0-work") == "line-0-work"


# Korean particles written for either ending ("을(를)") are how a sentence shows that a
# value was pasted in without regard to its last sound.
EITHER_PARTICLE = re.compile(r"\((를|는|가|과|로)\)")


def test_every_state_transition_refusal_reads_naturally_in_both_languages() -> None:
    """Each refusal the shipment table and the offer verbs can give, for every action and
    state, in English and Korean: the labels of both, no internal name left, no particle
    written for either ending, and in Korean the action's verb form ("-할 수 없습니다")."""
    korean = Language("ko", translations("ko"))
    english = Language("en", translations("en"))
    refusals: list[tuple[str, str, Message]] = []
    for action in Action:
        for state in ShipmentState:
            allowed = workflow.possible(state, Facts(False))
            if action not in allowed:
                message = IllegalTransition(action, state, allowed, uuid.uuid4()).message
                assert isinstance(message, Message)
                refusals.append((labels.VALUES[action], labels.VALUES[state], message))
    for verb in ("publish", "withdraw", "close"):
        for current in OfferState:
            message = N_(
                "cannot {verb}: the offer's state is {current}", verb=verb, current=current
            )
            refusals.append((labels.VALUES[verb], labels.VALUES[current], message))
    assert len(refusals) > 80
    for action_label, state_label, message in refusals:
        said = english.say(message)
        assert said.startswith(f"cannot {action_label}: the "), said
        assert f"'s state is {state_label}" in said, said
        assert "_" not in said, said
        spoken = korean.say(message)
        verb, rest = korean.gettext(action_label), korean.gettext(state_label)
        assert spoken.startswith(f"{verb}할 수 없습니다: "), spoken
        assert f"이 {rest} 상태입니다" in spoken, spoken
        assert EITHER_PARTICLE.search(spoken) is None, spoken
        assert re.search("[a-z]", spoken) is None, spoken


async def test_a_korean_illegal_transition_page_names_the_state_and_action_in_korean(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    scene = await make_scene(runtime, world, custodial=False)
    await allocate(runtime, scene, scene.national, scene.print_line, 1)
    csrf = await member_signed_in(
        client, runtime, "packer@example.org", scene.donor, Role.LIBRARIAN
    )
    client.cookies.set("lang", "ko")
    packing = await client.get("/shipments/new")
    allocation_ids = re.findall(r'name="allocation" value="([^"]+)"', packing.text)
    created = await client.post(
        "/shipments/new", data={"csrf": csrf, "mode": "physical", "allocation": allocation_ids}
    )
    assert created.status_code == 303
    path = created.headers["location"]
    assert (await client.post(path + "/pack", data={"csrf": csrf})).status_code == 303
    before = await db_state(runtime)

    again = await client.post(path + "/pack", data={"csrf": csrf})
    assert again.status_code == 409
    assert '<html lang="ko"' in again.text
    assert "포장할 수 없습니다: 발송물이 승인 대기 상태입니다. 허용되는 동작: " in again.text
    assert "awaiting_approval" not in again.text
    assert "cannot pack" not in again.text
    assert await db_state(runtime) == before


async def test_a_record_in_a_refusal_is_said_by_its_name_and_linked_not_by_its_id(
    runtime: Runtime, world: World
) -> None:
    """A work's identifier taken by another work: the CLI and GraphQL read the work's id
    as before, a page names the work by its title (marked with its language) and links
    to its page, in English and Korean."""
    partner = uuid.UUID(world.donor)
    isbn = [(IdentifierScheme.ISBN, "9780306406157")]
    async with runtime.db.unit_of_work() as uow:
        first = WorkDraft(
            WorkKind.TEXTBOOK, [("ko-Hang", "수치해석")], "kor", partner, identifiers=isbn
        )
        owner = await catalogue.create(SYSTEM, first, uow=uow, policy=runtime.policy)
    again = WorkDraft(WorkKind.TEXTBOOK, [("en", "Other")], "eng", partner, identifiers=isbn)
    async with runtime.db.unit_of_work() as uow:
        with pytest.raises(errors.Conflict) as taken:
            await catalogue.create(SYSTEM, again, uow=uow, policy=runtime.policy)
    message = taken.value.message
    assert message == f"isbn 9780306406157 already identifies work {owner.id}"
    link = f'<a href="/catalogue/works/{owner.id}">'
    english = Language("en", translations("en"))
    assert english.say_html(message) == (
        f"isbn 9780306406157 already identifies {link}"
        'work “<span lang="ko-Hang">수치해석</span>”</a>'
    )
    assert english.say(message) == "isbn 9780306406157 already identifies work “수치해석”"
    korean = Language("ko", translations("ko"))
    assert korean.say_html(message) == (
        f'isbn 9780306406157은(는) 이미 {link}저작 “<span lang="ko-Hang">수치해석</span>”</a>의 '
        "식별자입니다"
    )
    missing = errors.NotFound("shipment", uuid.uuid4())
    assert korean.say_html(missing.message) == "찾을 수 없습니다: 발송물"  # no page to link
    assert english.say_html(errors.NotFound("offer line", "<x>").message) == "offer line not found"
