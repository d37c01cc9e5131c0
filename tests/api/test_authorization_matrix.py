"""Every mutation of the schema, as every kind of caller: a matrix walked from a table.

A row per mutation gives the expected outcome for each role of ``ROLES``, in order:

    +  allowed (the mutation's success type)
    -  PermissionDenied, naming the row's Cedar action
    ?  NotFound (the caller may not even see the target)
    !  AuthenticationFailed (no credential)

Each cell acts on a target of the caller's home partner (the owner's, or for the suspended
partner's librarian, its own), made fresh for an allowed cell and shared between denied
ones. After every denial the whole database (every row of every table, so the row counts
and the audit chain's head) must be as it was. A mutation in the schema without a row
fails the test, so a new mutation cannot ship without its authorization decided.

Decisions worth reading here: tags and the public flag of a partner are admins' only
(partner.govern); nothing of a suspended partner can be written by anyone but admins
(policies/suspension.cedar), while reads (a download) still work; admins do not post
offers or requests for partners (only their librarians do).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    ast_from_value,
    get_named_type,
    print_ast,
)

from exchange import clock
from exchange.api.schema import build
from exchange.identity import tokens
from exchange.identity.identity import SYSTEM
from exchange.identity.models import Account
from exchange.partners import service as partners
from exchange.runtime import Runtime
from exchange.settings import Settings
from exchange.shipments.models import ShipmentMode, ShipmentState
from tests.api.matrix_scene import PASSWORD, ROLES, Scene, fingerprint, make_scene
from tests.conftest import gql

Variables = dict[str, Any]
Prepare = Callable[[Scene, uuid.UUID, bool], Awaitable[Variables]]

S = ShipmentState


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        key_encryption_key=base64.b64encode(b"m" * 32).decode("ascii"),
    )


@dataclass(frozen=True)
class Row:
    codes: str  # one of + - ? ! per role of ROLES
    success: str  # the __typename of an allowed call
    action: str  # the Cedar action a PermissionDenied names
    prepare: Prepare  # (scene, home partner, fresh target wanted) -> variables
    fresh_token: bool = False  # the call spends the caller's token


def _id(value: uuid.UUID) -> str:
    return str(value)


async def _issue_account_token(scene: Scene, _home: uuid.UUID, _fresh: bool) -> Variables:
    return {"input": {"accountId": _id(await scene.account()), "days": 1}}


async def _account_token(scene: Scene, _home: uuid.UUID, _fresh: bool) -> Variables:
    """A token of a fresh account, for an admin to revoke."""
    account_id = await scene.account()
    async with scene.runtime.db.unit_of_work() as uow:
        account = await uow.session.get(Account, account_id)
        assert account is not None
        row, _secret = await tokens.issue_token(account, uow=uow, ttl=timedelta(days=1))
    return {"id": _id(row.id)}


async def _new_partner(scene: Scene, home: uuid.UUID, fresh: bool) -> Variables:
    return {"id": _id(await scene.partner() if fresh else home)}


async def _suspended_partner(scene: Scene, home: uuid.UUID, fresh: bool) -> Variables:
    return {"id": _id(await scene.partner(suspended=True) if fresh else scene.suspended)}


async def _shipment(
    scene: Scene, home: uuid.UUID, state: ShipmentState, *, receiving: bool = False
) -> Variables:
    sender, receiver = (scene.counterpart, home) if receiving else (home, scene.counterpart)
    shipment, _allocation = await scene.shipment(sender, receiver, state)
    return {"id": _id(shipment)}


def moving(state: ShipmentState, *, receiving: bool = False) -> Prepare:
    async def prepare(scene: Scene, home: uuid.UUID, _fresh: bool) -> Variables:
        return await _shipment(scene, home, state, receiving=receiving)

    return prepare


async def _attach(scene: Scene, home: uuid.UUID, _fresh: bool) -> Variables:
    shipment, allocation = await scene.shipment(
        home, scene.counterpart, S.DRAFT, ShipmentMode.DIGITAL
    )
    carried = await scene.upload(home, shipment=shipment, licence="CC-BY-4.0", complete=True)
    return {
        "input": {
            "shipmentId": _id(shipment),
            "allocationId": _id(allocation),
            "objectId": _id(carried),
        }
    }


async def _allocate(scene: Scene, home: uuid.UUID, _fresh: bool) -> Variables:
    offer_line, _work = await scene._line(scene.counterpart, ShipmentMode.PHYSICAL)
    _request, request_line = await scene.request(home)
    return {
        "input": {"offerLineId": _id(offer_line), "requestLineId": _id(request_line), "quantity": 1}
    }


def _later() -> str:
    return (clock.now() + timedelta(days=30)).isoformat()


async def _create_offer(scene: Scene, home: uuid.UUID, _fresh: bool) -> Variables:
    line = {"workId": _id(await scene.work(home)), "quantity": 2, "format": "PRINT"}
    return {
        "input": {
            "partnerId": _id(home),
            "lines": [{**line, "condition": "GOOD"}],
            "expiresAt": _later(),
        }
    }


async def _start_upload(scene: Scene, home: uuid.UUID, _fresh: bool) -> Variables:
    return {
        "input": {
            "filename": "notes.txt",
            "size": 10,
            "sha256": "ab" * 32,
            "mediaType": "text/plain",
            "licence": "CC-BY-4.0",
            "workId": _id(await scene.work(home)),
            "ownerPartnerId": _id(home),
        }
    }


def names(scene: Scene, prefix: str) -> list[dict[str, str]]:
    return [{"lang": "en", "value": f"{prefix} {scene.unique()}"}]


# Roles, in order: anonymous, no membership, researcher (of the owner), librarian of the
# owner, librarian of another partner, librarian of a suspended partner, coordinator, admin.
TABLE: dict[str, Row] = {
    "createPartner": Row(
        "-------+",
        "Partner",
        "partner.create",
        lambda sc, home, fresh: _value(
            {"input": {"names": names(sc, "New"), "country": "KE", "kind": "PUBLISHER"}}
        ),
    ),
    "updatePartner": Row(
        "---+---+",
        "Partner",
        "partner.update",
        lambda sc, home, fresh: _value({"input": {"id": _id(home), "names": names(sc, "Renamed")}}),
    ),
    "suspendPartner": Row("-------+", "Partner", "partner.suspend", _new_partner),
    "reactivatePartner": Row("-------+", "Partner", "partner.reactivate", _suspended_partner),
    "login": Row(
        "++++++++",
        "IssuedToken",
        "",
        lambda sc, home, fresh: _value(
            {"email": sc.accounts["librarian of the owner"].email, "password": PASSWORD}
        ),
    ),
    "revokeToken": Row(
        "!+++++++", "TokenRevoked", "", lambda sc, home, fresh: _value({}), fresh_token=True
    ),
    "issueAccountToken": Row("-------+", "IssuedToken", "token.issue", _issue_account_token),
    "revokeAccountToken": Row("-------+", "TokenRevoked", "token.revoke", _account_token),
    "createAccount": Row(
        "-------+",
        "Account",
        "account.create",
        lambda sc, home, fresh: _value(
            {"input": {"email": f"new{sc.unique()}@example.org", "displayName": "New Person"}}
        ),
    ),
    "addMembership": Row(
        "-------+",
        "Membership",
        "membership.create",
        lambda sc, home, fresh: _membership(sc, home),
    ),
    "createWork": Row(
        "---+--++",
        "Work",
        "work.create",
        lambda sc, home, fresh: _value(
            {
                "input": {
                    "kind": "TEXTBOOK",
                    "titles": names(sc, "Statics"),
                    "language": "en",
                    "partnerId": _id(home),
                }
            }
        ),
    ),
    "updateWork": Row(
        "---+--++",
        "Work",
        "work.update",
        lambda sc, home, fresh: _awaited(
            sc.work(home), lambda work: {"input": {"id": _id(work), "publisher": "Press"}}
        ),
    ),
    "createSeminar": Row(
        "---+--++",
        "Seminar",
        "seminar.create",
        lambda sc, home, fresh: _value(
            {
                "input": {
                    "title": "Dams",
                    "language": "en",
                    "heldOn": "2026-05-04",
                    "hostPartnerId": _id(home),
                }
            }
        ),
    ),
    "updateSeminar": Row(
        "---+--++",
        "Seminar",
        "seminar.update",
        lambda sc, home, fresh: _awaited(
            sc.seminar(home), lambda seminar: {"input": {"id": _id(seminar), "title": "Weirs"}}
        ),
    ),
    "startUpload": Row("---+---+", "StartedUpload", "object.upload", _start_upload),
    "completeUpload": Row(
        "---+---+",
        "DigitalObject",
        "object.upload",
        lambda sc, home, fresh: _awaited(sc.upload(home), lambda o: {"input": {"id": _id(o)}}),
    ),
    "abortUpload": Row(
        "---+---+",
        "DigitalObject",
        "object.upload",
        lambda sc, home, fresh: _awaited(sc.upload(home, stored=False), lambda o: {"id": _id(o)}),
    ),
    # a read: the owner's members download (the suspended partner's too); it records a use
    "requestDownload": Row(
        "--++-+-+",
        "DownloadLink",
        "object.download",
        lambda sc, home, fresh: _awaited(sc.upload(home, complete=True), lambda o: {"id": _id(o)}),
    ),
    "publishOffer": Row(
        "---+----",
        "Offer",
        "offer.update",
        lambda sc, home, fresh: _awaited(
            sc.offer(home, publish=False), lambda o: {"id": _id(o[0])}
        ),
    ),
    "withdrawOffer": Row(
        "---+----",
        "Offer",
        "offer.update",
        lambda sc, home, fresh: _awaited(sc.offer(home, publish=True), lambda o: {"id": _id(o[0])}),
    ),
    "closeOffer": Row(
        "---+----",
        "Offer",
        "offer.update",
        lambda sc, home, fresh: _awaited(sc.offer(home, publish=True), lambda o: {"id": _id(o[0])}),
    ),
    "createOffer": Row("---+----", "Offer", "offer.create", _create_offer),
    "createRequest": Row(
        "---+----",
        "Request",
        "request.create",
        lambda sc, home, fresh: _value(
            {
                "input": {
                    "partnerId": _id(home),
                    "lines": [{"quantity": 1, "subject": "geology"}],
                    "note": "urgent",
                }
            }
        ),
    ),
    "cancelRequest": Row(
        "---+----",
        "Request",
        "request.update",
        lambda sc, home, fresh: _awaited(sc.request(home), lambda r: {"id": _id(r[0])}),
    ),
    "allocate": Row("---+--++", "Allocation", "allocation.create", _allocate),
    "releaseAllocation": Row(
        "---+--++",
        "Allocation",
        "allocation.release",
        lambda sc, home, fresh: _awaited(
            sc.allocation(sc.counterpart, home), lambda a: {"id": _id(a)}
        ),
    ),
    "createShipment": Row(
        "---+--++",
        "Shipment",
        "shipment.create",
        lambda sc, home, fresh: _awaited(
            sc.allocation(home, sc.counterpart),
            lambda a: {"input": {"allocationIds": [_id(a)], "mode": "PHYSICAL"}},
        ),
    ),
    "attachShipmentObject": Row("??-+?-++", "ShipmentItem", "shipment.pack", _attach),
    "packShipment": Row("??-+?-++", "Shipment", "shipment.pack", moving(S.DRAFT)),
    "approveShipment": Row("??--?-++", "Shipment", "shipment.approve", moving(S.AWAITING_APPROVAL)),
    "dispatchShipment": Row("??-+?--+", "Shipment", "shipment.dispatch", moving(S.APPROVED)),
    "markInTransit": Row("??-+?-++", "Shipment", "shipment.track", moving(S.DISPATCHED)),
    "markDelivered": Row("??-+?-++", "Shipment", "shipment.track", moving(S.DISPATCHED)),
    # the owner receives here: the shipment comes from the counterpart
    "receiveShipment": Row(
        "??-+?--+", "Shipment", "shipment.receive", moving(S.DELIVERED, receiving=True)
    ),
    "cancelShipment": Row("??-+?-++", "Shipment", "shipment.cancel", moving(S.DRAFT)),
    "markLost": Row("??-+?-++", "Shipment", "shipment.lose", moving(S.DISPATCHED)),
}


async def _value(variables: Variables) -> Variables:
    return variables


async def _awaited(made: Awaitable[Any], shape: Callable[[Any], Variables]) -> Variables:
    return shape(await made)


async def _membership(scene: Scene, home: uuid.UUID) -> Variables:
    account = await scene.account()
    return {"input": {"accountId": _id(account), "partnerId": _id(home), "role": "LIBRARIAN"}}


def graphql_schema() -> GraphQLSchema:
    return build(Settings())._schema


def documents(schema: GraphQLSchema) -> dict[str, str]:
    """One document per mutation: every argument as a variable; the result's typename, and
    the denied action when the result can be a PermissionDenied."""
    mutation = schema.mutation_type
    assert mutation is not None
    made: dict[str, str] = {}
    for name, field in mutation.fields.items():
        declared = ", ".join(
            f"${arg}: {kind.type}{_default(kind)}" for arg, kind in field.args.items()
        )
        passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
        result = get_named_type(field.type)
        denial = (
            " ... on PermissionDenied { action }"
            if isinstance(result, GraphQLUnionType)
            and any(t.name == "PermissionDenied" for t in result.types)
            else ""
        )
        head = f"mutation Cell({declared})" if declared else "mutation Cell"
        call = f"{name}({passed})" if passed else name
        made[name] = f"{head} {{ {call} {{ __typename{denial} }} }}"
        assert not isinstance(field.type, GraphQLNonNull) or result is not None
    return made


def _default(argument: GraphQLArgument) -> str:
    if argument.default_value is Undefined:
        return ""
    value = ast_from_value(argument.default_value, argument.type)
    return "" if value is None else f" = {print_ast(value)}"


def expected(row: Row, code: str) -> dict[str, str]:
    if code == "+":
        return {"__typename": row.success}
    if code == "-":
        return {"__typename": "PermissionDenied", "action": row.action}
    return {"__typename": {"?": "NotFound", "!": "AuthenticationFailed"}[code]}


def test_every_mutation_of_the_schema_has_a_row_for_every_role() -> None:
    mutation = graphql_schema().mutation_type
    assert mutation is not None
    assert sorted(mutation.fields) == sorted(TABLE), "add a row for each new mutation"
    for name, row in TABLE.items():
        assert len(row.codes) == len(ROLES), name
        assert set(row.codes) <= set("+-?!"), name


async def test_the_authorization_matrix(client: httpx.AsyncClient, runtime: Runtime) -> None:
    schema = graphql_schema()
    assert sorted(schema.mutation_type.fields) == sorted(TABLE)  # type: ignore[union-attr]
    texts = documents(schema)
    scene = await make_scene(runtime)
    suspended_role = ROLES.index("librarian of a suspended partner")
    # the suspended partner's targets are made while it is active, then it is suspended
    of_suspended = {
        name: await row.prepare(scene, scene.suspended, row.codes[suspended_role] == "+")
        for name, row in TABLE.items()
    }
    async with runtime.db.unit_of_work() as uow:
        await partners.suspend(SYSTEM, scene.suspended, uow=uow, policy=runtime.policy)

    shared: dict[str, Variables] = {}
    wrong: list[str] = []
    for name, row in TABLE.items():
        for role, code in zip(ROLES, row.codes, strict=True):
            home = scene.home(role)
            if home == scene.suspended:
                variables = of_suspended[name]
            elif code == "+":
                variables = await row.prepare(scene, home, True)
            else:
                if name not in shared:
                    shared[name] = await row.prepare(scene, home, False)
                variables = shared[name]
            token = None
            if role != "anonymous":
                token = await scene.token(role) if row.fresh_token else scene.tokens[role]
            before = None if code == "+" else await fingerprint(runtime)
            body = await gql(client, texts[name], variables, token)
            got = (body.get("data") or {}).get(name)
            if got != expected(row, code):
                wrong.append(f"{name} as {role}: expected {expected(row, code)}, got {body}")
            elif before is not None and await fingerprint(runtime) != before:
                wrong.append(f"{name} as {role}: denied, but the database changed")
    assert wrong == [], "\n".join(wrong)
