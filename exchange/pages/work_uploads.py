"""Uploading a digital copy of a work: ``/catalogue/works/{id}/upload`` shows the same
form and script as a shipment's upload page (``uploads``), its file attached to the work
and held by one of the uploader's partners. The form is offered to those the policy lets
upload (``objects.uploaders``); the posts go to the shared ``/uploads/…`` routes, which
ask the service again."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.catalogue import service as catalogue
from exchange.objects import service as objects
from exchange.objects import uploaders
from exchange.pages import upload_draft, web
from exchange.pagination import PageRequest
from exchange.runtime import Runtime

FILES_SHOWN = 100


async def show(
    runtime: Runtime,
    request: Request,
    who: web.Visitor,
    work_id: uuid.UUID,
    problems: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
) -> Response:
    """The upload page of a work; with ``problems`` the refused form again (400), as it
    was. 404 for an unknown work; when the visitor may not upload, the page says the
    policy's reason in place of the form."""
    policy = runtime.policy
    try:
        async with runtime.db.read() as session:
            work = await catalogue.get(who.identity, work_id, session=session, policy=policy)
            owners = await uploaders.owners_for_work(
                who.identity, work_id, session=session, policy=policy
            )
            files = await objects.list(
                who.identity,
                objects.ObjectFilter(work_id=work_id),
                PageRequest.parse(FILES_SHOWN, None),
                session=session,
                policy=policy,
            )
            refusal = None
            if not owners:
                refusal = await uploaders.work_refusal(
                    who.identity, work_id, session=session, policy=policy
                )
    except errors.NotFound:
        return web.not_found(request, who)
    return await upload_draft.page(
        request, who, runtime.storage, files=files.items, open_=bool(owners), work=work,
        owners=owners, problems=problems, fields=fields, refusal=refusal,
    )  # fmt: skip


def routes(runtime: Runtime) -> list[Route]:
    async def page(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        return await show(runtime, request, who, web.path_id(request, "work_id"))

    return [Route("/catalogue/works/{work_id}/upload", page, methods=["GET"])]
