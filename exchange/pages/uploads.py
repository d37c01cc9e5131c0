"""Uploading a file for a digital shipment or a work, in pages (one form, one script).

Without JavaScript the form posts the file to the instance (``POST /uploads/file``), which
streams it through ``objects.receiving`` into storage. With ``/static/upload.js`` the
browser asks for presigned URLs (``POST /uploads/start``), PUTs the bytes straight to the
storage — in parts above ``upload_draft.BROWSER_LIMITS``' threshold — showing progress,
then asks the instance to verify (``POST /uploads/{id}/complete``). Both end on
``GET /uploads/{id}``, which shows what the verification found. Every POST carries the
session's CSRF token.
"""

from __future__ import annotations

import uuid

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import errors
from exchange.objects import receiving, uploaders, uploads
from exchange.objects import service as objects
from exchange.pages import upload_draft, web, work_uploads
from exchange.pages.form_stream import FormStream
from exchange.pagination import PageRequest
from exchange.runtime import Runtime
from exchange.shipments import view
from exchange.shipments.models import ShipmentMode
from exchange.shipments.workflow import BEFORE_DISPATCH


def routes(runtime: Runtime) -> list[Route]:
    policy, storage = runtime.policy, runtime.storage

    async def show(
        request: Request,
        who: web.Visitor,
        attachment: uploads.Attachment,
        problems: dict[str, str] | None = None,
        fields: dict[str, str] | None = None,
    ) -> Response:
        """The upload page of what the file goes to (a shipment or a work); with
        ``problems`` the refused form again (400), as it was."""
        if attachment.work_id is not None:
            return await work_uploads.show(
                runtime, request, who, attachment.work_id, problems, fields
            )
        assert attachment.shipment_id is not None
        return await shipment_page(request, who, attachment.shipment_id, problems, fields)

    async def shipment_page(
        request: Request,
        who: web.Visitor,
        shipment_id: uuid.UUID,
        problems: dict[str, str] | None = None,
        fields: dict[str, str] | None = None,
    ) -> Response:
        try:
            async with runtime.db.read() as session:
                shown = await view.read(who.identity, shipment_id, session=session, policy=policy)
                files = await objects.list(
                    who.identity,
                    objects.ObjectFilter(shipment_id=shipment_id),
                    PageRequest.parse(100, None),
                    session=session,
                    policy=policy,
                )
                shipment = shown.shipment
                open_ = shipment.mode == ShipmentMode.DIGITAL.value and shipment.state in {
                    s.value for s in BEFORE_DISPATCH
                }
                refusal = None
                if open_:
                    attachment = uploads.Attachment(shipment_id=shipment_id)
                    refusal = await uploaders.refusal(
                        who.identity, attachment, shown.sender, session=session, policy=policy
                    )
        except errors.NotFound:
            return web.not_found(request, who)
        return await upload_draft.page(
            request, who, storage, files=files.items, open_=open_, view=shown,
            problems=problems, fields=fields, refusal=refusal,
        )  # fmt: skip

    async def page(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        return await shipment_page(request, who, web.path_id(request, "shipment_id"))

    async def post_file(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        form = FormStream(request)
        fields = await form.read_fields()
        if not who.csrf_valid(FormData(list(fields.items()))):
            return web.forbidden(request, who)
        try:
            attachment = upload_draft.attachment_of(fields)
        except ValueError:
            return web.not_found(request, who)
        try:
            draft = upload_draft.draft_of(fields, attachment, form.filename or "", form.media_type)
            completion = await receiving.receive(
                who.identity,
                draft,
                form.file_chunks(),
                db=runtime.db,
                storage=storage,
                policy=policy,
                spool_dir=runtime.settings.data_dir / "spool",
                max_size=upload_draft.FORM_MAX_BYTES,
            )
        except errors.ValidationFailed as error:
            problems = web.field_errors(
                who, error, lambda name: upload_draft.FORM_FIELDS.get(name, "form")
            )
            return await show(request, who, attachment, problems, fields)
        except errors.ExchangeError as error:
            return web.refused(request, who, error)
        return web.redirect(f"/uploads/{completion.object.id}")

    async def start(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        who, data = got
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        try:
            draft = upload_draft.draft_of(
                fields,
                upload_draft.attachment_of(fields),
                fields.get("filename", ""),
                fields.get("media_type", ""),
            )
            async with runtime.db.unit_of_work() as uow:
                started = await uploads.start_upload(
                    who.identity,
                    draft,
                    uow=uow,
                    storage=storage,
                    policy=policy,
                    limits=upload_draft.BROWSER_LIMITS,
                )
        except ValueError:
            return JSONResponse({"error": "not found"}, status_code=404)
        except errors.ExchangeError as error:
            return upload_draft.failure(who, error)
        ticket = started.ticket
        object_id = started.object.id
        return JSONResponse(
            {
                "object": str(object_id),
                "ticket": None
                if ticket is None
                else {"url": ticket.url, "method": ticket.method, "headers": dict(ticket.headers)},
                "partSize": started.part_size,
                "parts": [{"number": p.number, "url": p.url} for p in started.parts],
                "complete": f"/uploads/{object_id}/complete",
            }
        )

    async def complete(request: Request) -> Response:
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        who, data = got
        try:
            object_id = web.path_id(request, "object_id")
        except web.PathNotFound:
            return JSONResponse({"error": "not found"}, status_code=404)
        try:
            parts = upload_draft.parts_of(data.get("parts", "[]"))
        except errors.ValidationFailed as error:
            return upload_draft.failure(who, error)
        try:
            completion = await uploads.complete_upload(
                who.identity, object_id, parts, db=runtime.db, storage=storage, policy=policy
            )
        except errors.ExchangeError as error:
            return upload_draft.failure(who, error)
        obj = completion.object
        language = who.language
        if completion.rejected is None:
            message = language.gettext(upload_draft.VERIFIED)
        else:
            message = language.gettext(upload_draft.REJECTED) % {"reason": obj.rejection_reason}
        return JSONResponse(
            {"state": obj.state, "message": message, "location": f"/uploads/{obj.id}"}
        )

    async def abort(request: Request) -> Response:
        """The page's script gives up (a PUT failed): the pending object is rejected and
        its bytes and parts discarded."""
        got = await web.posted(request, runtime)
        if isinstance(got, Response):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        who, _ = got
        try:
            object_id = web.path_id(request, "object_id")
            async with runtime.db.unit_of_work() as uow:
                obj = await uploads.abort_upload(
                    who.identity, object_id, uow=uow, storage=storage, policy=policy
                )
        except web.PathNotFound:
            return JSONResponse({"error": "not found"}, status_code=404)
        except errors.ExchangeError as error:
            return upload_draft.failure(who, error)
        return JSONResponse({"state": obj.state})

    async def result(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        object_id = web.path_id(request, "object_id")
        try:
            async with runtime.db.read() as session:
                obj = await objects.get(who.identity, object_id, session=session, policy=policy)
        except errors.NotFound:
            return web.not_found(request, who)
        return web.render(request, who, "upload_result.html", {"object": obj})

    return [
        Route("/shipments/{shipment_id}/upload", page, methods=["GET"]),
        *work_uploads.routes(runtime),
        Route(upload_draft.FILE_PATH, post_file, methods=["POST"]),
        Route("/uploads/start", start, methods=["POST"]),
        Route("/uploads/{object_id}/complete", complete, methods=["POST"]),
        Route("/uploads/{object_id}/abort", abort, methods=["POST"]),
        Route("/uploads/{object_id}", result, methods=["GET"]),
    ]
