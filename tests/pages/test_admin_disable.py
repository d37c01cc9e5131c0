"""An admin disables an account in the pages: its open session is refused, and signing in
says why, until the admin enables it again; nobody else can, nor an admin their own."""

from __future__ import annotations

import httpx
from sqlmodel import col, select

from exchange.app import create_app
from exchange.identity.identity import Role
from exchange.identity.models import Account
from exchange.runtime import Runtime
from exchange.settings import Settings
from tests.conftest import World
from tests.pages.people import PASSWORD, hidden, person, sign_in
from tests.pages.test_admin_accounts import account_id_of, admin_signed_in


async def _disabled(runtime: Runtime) -> list[str]:
    """The e-mail of every disabled account."""
    async with runtime.db.read() as session:
        found = await session.exec(
            select(Account).where(col(Account.disabled_at).is_not(None)).order_by(col(Account.id))
        )
        return [a.email for a in found.all()]


async def test_an_admin_disables_an_account_and_enables_it_again(
    client: httpx.AsyncClient, runtime: Runtime, world: World, settings: Settings
) -> None:
    await person(runtime, "kim@example.org", world.national, Role.LIBRARIAN)
    kim = await account_id_of(runtime, "kim@example.org")
    root_csrf = await admin_signed_in(client, runtime, world)
    root = await account_id_of(runtime, "root@example.org")
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        kim_csrf = await sign_in(browser, "kim@example.org")
        refused = await browser.post(f"/admin/accounts/{root}/disable", data={"csrf": kim_csrf})
        assert refused.status_code == 403
        assert "not allowed to disable this account: only admins may" in refused.text
        own = await client.post(f"/admin/accounts/{root}/disable", data={"csrf": root_csrf})
        assert own.status_code == 409
        assert 'id="alert">you cannot disable your own account' in own.text
        assert await _disabled(runtime) == []

        done = await client.post(f"/admin/accounts/{kim}/disable", data={"csrf": root_csrf})
        assert done.headers["location"] == f"/admin/accounts/{kim}?done=disabled"
        assert await _disabled(runtime) == ["kim@example.org"]
        page = await client.get(f"/admin/accounts/{kim}")
        assert f'action="/admin/accounts/{kim}/enable"' in page.text
        listed = await client.get("/admin/accounts", params={"q": "kim"})
        assert 'data-disabled="yes"' in listed.text
        # kim's open session is refused, and so is signing in again
        assert (await browser.get("/dashboard")).status_code == 303
        form = await browser.get("/signin")
        again = await browser.post(
            "/signin",
            data={"email": "kim@example.org", "password": PASSWORD,
                  "presession": hidden(form.text, "presession")},
        )  # fmt: skip
        assert again.status_code != 303
        assert "This account is disabled. An administrator can enable it again." in again.text
        twice = await client.post(f"/admin/accounts/{kim}/disable", data={"csrf": root_csrf})
        assert twice.status_code == 409
        assert 'id="alert">the account is already disabled' in twice.text

        enabled = await client.post(f"/admin/accounts/{kim}/enable", data={"csrf": root_csrf})
        assert enabled.headers["location"] == f"/admin/accounts/{kim}?done=enabled"
        assert await _disabled(runtime) == []
        await sign_in(browser, "kim@example.org")
