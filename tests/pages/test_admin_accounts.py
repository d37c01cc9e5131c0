"""Accounts, memberships and tokens in the admin pages: each form, its refusals with the
domain's reason next to the field (nothing written), the token's secret shown once, and
nobody but an admin getting anything done (Cedar's reason on a 403, nothing changed)."""

from __future__ import annotations

import hashlib
import re
import uuid

import httpx
from sqlmodel import col, select

from exchange import errors
from exchange.identity import service as identity_service
from exchange.identity.identity import SYSTEM, Role
from exchange.identity.models import Account, Membership, Token
from exchange.messages import N_
from exchange.pages import web
from exchange.pages.i18n import Language, translations
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, rows, sign_in

ACCOUNT_COUNT = "SELECT count(*) FROM account"


async def admin_signed_in(client: httpx.AsyncClient, runtime: Runtime, world: World) -> str:
    await person(runtime, "root@example.org", world.national, Role.ADMIN)
    return await sign_in(client, "root@example.org")


async def account_id_of(runtime: Runtime, email: str) -> str:
    async with runtime.db.read() as session:
        found = (await session.exec(select(Account).where(Account.email == email))).one()
    return str(found.id)


async def _roles(runtime: Runtime, account_id: str) -> list[tuple[str, str]]:
    """The account's memberships as (partner id, role), oldest first."""
    async with runtime.db.read() as session:
        found = await session.exec(
            select(Membership)
            .where(Membership.account_id == uuid.UUID(account_id))
            .order_by(col(Membership.id))
        )
        return [(str(m.partner_id), m.role) for m in found.all()]


async def _tokens(runtime: Runtime, account_id: str) -> list[tuple[str, str, bool]]:
    """The account's tokens as (id, label, revoked), oldest first."""
    async with runtime.db.read() as session:
        found = await session.exec(
            select(Token).where(Token.account_id == uuid.UUID(account_id)).order_by(col(Token.id))
        )
        return [(str(t.id), t.label, t.revoked_at is not None) for t in found.all()]


async def test_an_admin_creates_an_account_and_refusals_keep_the_values(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await admin_signed_in(client, runtime, world)
    assert (await client.get("/admin/accounts/new")).status_code == 200
    [before] = await rows(runtime, ACCOUNT_COUNT)

    invalid = await client.post(
        "/admin/accounts/new",
        data={"csrf": csrf, "email": "not-mail", "display_name": "Kim\x00", "password": "short"},
    )
    assert invalid.status_code == 400
    for field in ("email", "display_name", "password"):
        assert f'id="{field}-error"' in invalid.text, field
    assert 'value="not-mail"' in invalid.text
    assert "not an e-mail address" in invalid.text
    assert "U+0000 at position 3 is not allowed" in invalid.text
    assert await rows(runtime, ACCOUNT_COUNT) == [before]

    duplicate = await client.post(
        "/admin/accounts/new",
        data={"csrf": csrf, "email": "ROOT@example.org", "display_name": "Root", "password": ""},
    )
    assert duplicate.status_code == 409
    assert '<p class="error" id="email-error">an account with this e-mail already exists</p>' in (
        duplicate.text
    )
    assert await rows(runtime, ACCOUNT_COUNT) == [before]

    created = await client.post(
        "/admin/accounts/new",
        data={
            "csrf": csrf,
            "email": " Ri.Jong@Example.org",
            "display_name": "  리  종  ",
            "password": "a long enough password",
        },
    )
    assert created.status_code == 303
    account_id = await account_id_of(runtime, "ri.jong@example.org")
    assert created.headers["location"] == f"/admin/accounts/{account_id}?done=created"
    page = await client.get(created.headers["location"])
    assert "<h1>리 종 <small" in page.text
    assert "No membership yet." in page.text
    for path in ("/admin/accounts/not-an-id", f"/admin/accounts/{uuid.uuid4()}"):
        assert (await client.get(path)).status_code == 404, path
    for path in ("/admin/accounts/x/memberships", f"/admin/accounts/{uuid.uuid4()}/tokens"):
        assert (await client.post(path, data={"csrf": csrf})).status_code == 404, path
    await sign_in(client, "ri.jong@example.org")  # the password set by the form signs in


async def test_accounts_are_listed_searched_and_paginated(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await admin_signed_in(client, runtime, world)
    async with runtime.db.unit_of_work() as uow:
        for n in range(50):
            draft = identity_service.AccountDraft(f"reader{n:02}@example.org", f"Reader {n:02}")
            await identity_service.create_account(SYSTEM, draft, uow=uow, policy=runtime.policy)
    first = await client.get("/admin/accounts")
    assert first.status_code == 200
    assert first.text.count("data-account-id=") == 50  # 5 of the world, root, 44 readers
    following = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert following
    second = await client.get(following.group(1).replace("&amp;", "&"))
    assert second.text.count("data-account-id=") == 6
    assert "reader49@example.org" in second.text
    assert 'rel="next"' not in second.text
    found = await client.get("/admin/accounts", params={"q": "READER 4"})
    assert found.text.count("data-account-id=") == 10
    hostile = await client.get("/admin/accounts", params={"q": "%_\\"})
    assert hostile.status_code == 200
    assert "No account matches." in hostile.text


async def test_memberships_are_added_and_removed_with_the_domain_reasons(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await admin_signed_in(client, runtime, world)
    researcher = world.account_ids["researcher"]
    url = f"/admin/accounts/{researcher}/memberships"
    before = await _roles(runtime, researcher)
    assert before == [(world.national, "researcher")]

    added = await client.post(url, data={"csrf": csrf, "partner": world.donor, "role": "librarian"})
    assert added.status_code == 303
    after = [*before, (world.donor, "librarian")]
    assert await _roles(runtime, researcher) == after

    again = await client.post(url, data={"csrf": csrf, "partner": world.donor, "role": "librarian"})
    assert again.status_code == 409
    assert 'id="role-error">the account already has this role at this partner' in again.text
    hostile = await client.post(url, data={"csrf": csrf, "partner": "' OR 1=1", "role": "god"})
    assert hostile.status_code == 400
    assert (
        'id="partner-error">This is not the id of a partner: choose one from the list.'
        in hostile.text
    )
    assert 'id="role-error">Choose a role.' in hostile.text
    assert 'value="god"' not in hostile.text
    unknown = await client.post(
        url, data={"csrf": csrf, "partner": str(uuid.uuid4()), "role": "researcher"}
    )
    assert unknown.status_code == 404
    assert 'id="partner-error">partner ' in unknown.text
    assert await _roles(runtime, researcher) == after

    page = await client.get(f"/admin/accounts/{researcher}")
    [removal] = re.findall(r'action="(/admin/accounts/[^"]+/remove)"', page.text)[-1:]
    removed = await client.post(removal, data={"csrf": csrf})
    assert removed.status_code == 303
    assert await _roles(runtime, researcher) == before

    root = await account_id_of(runtime, "root@example.org")
    own = await client.get(f"/admin/accounts/{root}")
    [own_removal] = re.findall(r'action="(/admin/accounts/[^"]+/remove)"', own.text)
    refused = await client.post(own_removal, data={"csrf": csrf})
    assert refused.status_code == 409
    assert 'id="alert">you cannot remove your own admin role' in refused.text
    assert await _roles(runtime, root) == [(world.national, "admin")]


async def test_a_token_is_issued_with_its_secret_shown_once_and_revoked(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await admin_signed_in(client, runtime, world)
    researcher = world.account_ids["researcher"]
    before = await _tokens(runtime, researcher)
    url = f"/admin/accounts/{researcher}/tokens"
    refusals = [("0", "x", "days"), ("ten", "x", "days"), ("99999", "x", "days"),
                ("", "lost\x00phone", "label"), ("", "l" * 101, "label")]  # fmt: skip
    for days, label, field in refusals:
        refused = await client.post(url, data={"csrf": csrf, "label": label, "days": days})
        assert refused.status_code == 400, (days, label)
        assert f'id="{field}-error"' in refused.text, (days, label)
    assert await _tokens(runtime, researcher) == before

    issued = await client.post(url, data={"csrf": csrf, "label": "lost phone", "days": "2"})
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    secret = re.search(r'id="secret" class="secret" value="(sx_[^"]+)"', issued.text)
    assert secret
    digest = hashlib.sha256(secret.group(1).encode()).hexdigest()
    hashes = "SELECT secret_hash FROM token WHERE label = 'lost phone'"
    assert await rows(runtime, hashes) == [(digest,)]
    viewer = await client.post(
        "/graphql",
        json={"query": "{ viewer { account { email } } }"},
        headers={"Authorization": f"Bearer {secret.group(1)}"},
    )
    assert viewer.json()["data"]["viewer"]["account"]["email"] == "researcher@example.org"

    page = await client.get(f"/admin/accounts/{researcher}")
    assert secret.group(1) not in page.text
    assert f"<code>{secret.group(1)[:8]}…</code>" in page.text
    assert page.text.count("data-token-id=") == len(before) + 1
    revoke = re.search(r'action="(/admin/accounts/[^"]+/tokens/[^"]+/revoke)"', page.text)
    assert revoke
    assert (await client.post(revoke.group(1), data={"csrf": csrf})).status_code == 303
    [*_, (token_id, label, revoked)] = await _tokens(runtime, researcher)
    assert (label, revoked) == ("lost phone", True)
    assert revoke.group(1).endswith(f"/tokens/{token_id}/revoke")
    again = await client.post(revoke.group(1), data={"csrf": csrf})
    assert again.status_code == 409
    assert 'id="alert">the token is already revoked' in again.text


async def test_nobody_but_an_admin_manages_accounts_and_nothing_changes(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    researcher = world.account_ids["researcher"]
    everything = (
        "SELECT (SELECT count(*) FROM account), (SELECT count(*) FROM membership), "
        "(SELECT count(*) FROM token), (SELECT count(*) FROM token WHERE revoked_at IS NULL)"
    )
    [(token, _label, _revoked)] = await _tokens(runtime, researcher)
    assert (await client.get("/admin/accounts")).status_code == 303  # sign in first
    csrf = await sign_in(client, "kim@example.org")
    before = await rows(runtime, everything)
    for path, reason in (
        ("/admin/accounts", "not allowed to list accounts: only admins may"),
        ("/admin/accounts/new", "not allowed to create an account: only admins may"),
        (f"/admin/accounts/{researcher}", "not allowed to see this account: only admins may"),
    ):
        page = await client.get(path)
        assert page.status_code == 403, path
        assert reason in page.text, path
    posts = [
        ("/admin/accounts/new", {"email": "x@example.org", "display_name": "X", "password": ""},
         "not allowed to create an account: only admins may"),
        (f"/admin/accounts/{researcher}/memberships", {"partner": world.national, "role": "admin"},
         "not allowed to add a membership: only admins may"),
        (f"/admin/accounts/{researcher}/tokens", {"label": "mine", "days": "1"},
         "not allowed to issue a token: only admins may"),
        (f"/admin/accounts/{researcher}/tokens/{token}/revoke", {},
         "not allowed to revoke a token: only admins may"),
    ]  # fmt: skip
    [(membership,)] = await rows(
        runtime,
        "SELECT m.id FROM membership m JOIN account a ON a.id = m.account_id "
        "WHERE a.email = 'researcher@example.org'",
    )
    posts.append(
        (f"/admin/accounts/{researcher}/memberships/{uuid.UUID(str(membership))}/remove", {},
         "not allowed to remove a membership: only admins may")
    )  # fmt: skip
    for path in ("/admin/accounts/not-an-id", f"/admin/accounts/{uuid.uuid4()}"):
        assert (await client.get(path)).status_code in (403, 404), path
    for path, data, reason in posts:
        answer = await client.post(path, data={"csrf": csrf, **data})
        assert answer.status_code == 403, path
        assert reason in answer.text, path
        forged = await client.post(path, data={"csrf": "forged", **data})
        assert forged.status_code == 403, path
    assert await rows(runtime, everything) == before


async def test_refusals_are_shown_in_korean(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    csrf = await admin_signed_in(client, runtime, world)
    client.cookies.set("lang", "ko")
    refused = await client.post(
        "/admin/accounts/new",
        data={"csrf": csrf, "email": "nope", "display_name": "", "password": ""},
    )
    assert refused.status_code == 400
    assert '<html lang="ko">' in refused.text
    assert 'id="email-error">전자우편 주소가 아닙니다</p>' in refused.text
    assert 'id="display_name-error">이름을 입력해야 합니다</p>' in refused.text


AUDITS = "SELECT (SELECT count(*) FROM audit_event), (SELECT count(*) FROM audit_pending)"


async def test_revoking_names_the_tokens_own_account_or_finds_nothing(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """``/admin/accounts/<A>/tokens/<a token of B>/revoke`` is a 404 and revokes nothing;
    under B's own address it revokes it (the newcomer's trial, item 2)."""
    csrf = await admin_signed_in(client, runtime, world)
    named, holder = world.account_ids["librarian"], world.account_ids["researcher"]
    [(token_id, label, revoked)] = await _tokens(runtime, holder)
    assert not revoked
    before = (await _tokens(runtime, named), await _tokens(runtime, holder))
    audits = await rows(runtime, AUDITS)
    crossed = await client.post(
        f"/admin/accounts/{named}/tokens/{token_id}/revoke", data={"csrf": csrf}
    )
    assert crossed.status_code == 404
    assert (await _tokens(runtime, named), await _tokens(runtime, holder)) == before
    assert await rows(runtime, AUDITS) == audits
    own = await client.post(
        f"/admin/accounts/{holder}/tokens/{token_id}/revoke", data={"csrf": csrf}
    )
    assert own.status_code == 303
    assert own.headers["location"] == f"/admin/accounts/{holder}?done=revoked"
    assert await _tokens(runtime, holder) == [(token_id, label, True)]


async def test_the_domain_alone_decides_what_is_too_long_and_the_value_is_kept_whole(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    """The forms pass what was typed to the domain whole: a name past the domain's 200
    characters is refused next to its field and shown back entire (not cut at the page's
    own, different, limit), and text past that old cut is never dropped to make a value
    valid (a partner's id followed by spaces and more text is not the partner)."""
    csrf = await admin_signed_in(client, runtime, world)
    [before] = await rows(runtime, ACCOUNT_COUNT)
    name = "김" * 450
    long = await client.post(
        "/admin/accounts/new",
        data={"csrf": csrf, "email": "kim@example.org", "display_name": name, "password": ""},
    )
    assert long.status_code == 400
    assert '<p class="error" id="display_name-error">at most 200 characters</p>' in long.text
    assert f'value="{name}"' in long.text
    assert "maxlength" not in long.text
    assert await rows(runtime, ACCOUNT_COUNT) == [before]

    researcher = world.account_ids["researcher"]
    roles = await _roles(runtime, researcher)
    padded = f"{world.donor}    and more"
    refused = await client.post(
        f"/admin/accounts/{researcher}/memberships",
        data={"csrf": csrf, "partner": padded, "role": "librarian"},
    )
    assert refused.status_code == 400
    assert 'id="partner-error">This is not the id of a partner: choose one from the list.' in (
        refused.text
    )
    assert await _roles(runtime, researcher) == roles

    label = "l" * 150
    tokens_before = await _tokens(runtime, researcher)
    too_long = await client.post(
        f"/admin/accounts/{researcher}/tokens", data={"csrf": csrf, "label": label, "days": ""}
    )
    assert too_long.status_code == 400
    assert '<p class="error" id="label-error">at most 100 characters</p>' in too_long.text
    assert f'value="{label}"' in too_long.text
    assert await _tokens(runtime, researcher) == tokens_before


def test_one_mapping_places_each_kind_of_refusal_on_the_form() -> None:
    """``web.form_errors``, the mapping every account form uses: field errors by their
    (renamed) field, a conflict and a missing record where the form says, anything else
    (a denial) left to the route, which refuses the page."""
    korean = web.Visitor(Language("ko", translations("ko")), None, "")
    between = N_("between {low} and {high}", low=1, high=10)
    invalid = errors.ValidationFailed.single("ttl", "out_of_range", between)
    assert web.form_errors(korean, invalid, fields={"ttl": "days"}, conflict="alert") == {
        "days": "1에서 10 사이"
    }
    clash = errors.Conflict("the token is already revoked")
    assert web.form_errors(korean, clash, conflict="alert") == {
        "alert": "토큰이 이미 폐기되었습니다"
    }
    missing = errors.NotFound("partner", "P-1")
    assert web.form_errors(korean, missing, conflict="role", missing="partner") == {
        "partner": korean.language.say(missing.message)
    }
    assert web.form_errors(korean, missing, conflict="role") is None
    denied = errors.PermissionDenied("token.issue", "only admins may")
    assert web.form_errors(korean, denied, conflict="alert", missing="partner") is None
