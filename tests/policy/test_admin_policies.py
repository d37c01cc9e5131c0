"""The actions of the admin pages (policies/accounts.cedar, policies/keys.cedar): admins
only, and a denial names who may."""

from __future__ import annotations

import uuid

import pytest

from exchange.errors import PermissionDenied
from exchange.identity.identity import ANONYMOUS, SYSTEM, Grant, Identity, Role
from exchange.policy import PLATFORM, PolicyEngine, Resource
from exchange.policy.resource import partner as partner_resource

ENGINE = PolicyEngine()
OWN = uuid.UUID("0190b6a0-0000-7000-8000-0000000000a1")


def person(role: Role) -> Identity:
    return Identity(account_id=uuid.uuid4(), email="p@example.org", grants=(Grant(OWN, role),))


def own(status: str = "active") -> Resource:
    return partner_resource(str(OWN), status, True, [])


PLATFORM_ACTIONS = ["account.list", "account.read", "account.disable", "account.enable",
                    "key.overview"]  # fmt: skip


@pytest.mark.parametrize("action", PLATFORM_ACTIONS)
def test_only_admins_take_the_platform_actions_of_the_admin_pages(action: str) -> None:
    assert ENGINE.allowed(person(Role.ADMIN), action, PLATFORM) is True
    assert ENGINE.allowed(SYSTEM, action, PLATFORM) is True
    for role in (Role.LIBRARIAN, Role.COORDINATOR, Role.RESEARCHER):
        assert ENGINE.allowed(person(role), action, PLATFORM) is False, role
    assert ENGINE.allowed(ANONYMOUS, action, PLATFORM) is False
    with pytest.raises(PermissionDenied) as denied:
        ENGINE.require(person(Role.LIBRARIAN), action, PLATFORM)
    assert denied.value.message == f"not allowed to {action}: only admins may"


def test_only_admins_remove_a_membership_even_of_a_suspended_partner() -> None:
    assert ENGINE.allowed(person(Role.ADMIN), "membership.delete", own()) is True
    assert ENGINE.allowed(person(Role.ADMIN), "membership.delete", own("suspended")) is True
    assert ENGINE.allowed(person(Role.LIBRARIAN), "membership.delete", own()) is False
    assert ENGINE.allowed(person(Role.COORDINATOR), "membership.delete", own()) is False
