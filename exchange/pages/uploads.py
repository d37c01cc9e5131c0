"""Uploading a file for a digital shipment, in pages.

Without JavaScript the form posts the file to the instance (``POST /uploads/file``), which
streams it through ``objects.receiving`` into storage. With ``/static/upload.js`` the
browser asks for presigned URLs (``POST /uploads/start``), PUTs the bytes straight to the
storage — in parts above ``BROWSER_LIMITS``' threshold — showing progress, then asks the
instance to verify (``POST /uploads/{id}/complete``). Both end on ``GET /uploads/{id}``,
which shows what the verification found. Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import errors
from exchange.middleware import headers
from exchange.objects import receiving, uploads
from exchange.objects import service as objects
from exchange.pages import web
from exchange.pages.form_stream import FormStream
from exchange.pages.i18n import N_
from exchange.pagination import PageRequest
from exchange.runtime import Runtime
from exchange.shipments import view
from exchange.shipments.models import ShipmentMode
from exchange.shipments.workflow import BEFORE_DISPATCH
from exchange.storage.base import Part
from exchange.storage.cors import CorsCheck, ensure_browser_uploads, origin_of
from exchange.storage.s3 import S3Storage

MiB = 1024 * 1024
# Parts small enough that progress moves and a failed part costs little to resend.
BROWSER_LIMITS = uploads.UploadLimits(multipart_threshold=16 * MiB, part_size=8 * MiB)
FORM_MAX_BYTES = 2 * 1024**3  # a file posted with the form, through the instance
FILE_PATH = "/uploads/file"  # streamed: exempt from the instance's body limit
log = logging.getLogger(__name__)
# domain field → the form's field beside which its error shows
FORM_FIELDS = {
    "licence": "licence",
    "requiredTag": "required_tag",
    "embargo_until": "embargo_until",
    "filename": "file",
    "file": "file",
    "mediaType": "file",
}
VERIFIED = N_("The stored file was verified: its size and SHA-256 are the declared ones.")
REJECTED = N_("The file was refused and nothing was kept: %(reason)s")


def _draft(fields: dict[str, str], shipment_id: uuid.UUID, filename: str, media_type: str) -> Any:
    def number(name: str) -> int:
        raw = fields.get(name, "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 16 else 0

    embargo = fields.get("embargo_until", "").strip()
    try:
        until = date.fromisoformat(embargo) if embargo else None
    except ValueError:
        raise errors.ValidationFailed.single(
            "embargo_until", "invalid", N_("Give the embargo as a date.")
        ) from None
    return uploads.UploadDraft(
        filename=filename,
        size=number("size"),
        sha256=fields.get("sha256", "").strip().lower(),
        media_type=media_type or "application/octet-stream",
        licence=fields.get("licence", ""),
        attachment=uploads.Attachment(shipment_id=shipment_id),
        owner_partner_id=_uuid_or_none(fields.get("owner", "")),
        required_tag=fields.get("required_tag") or None,
        embargo_until=until,
    )


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    """The id, or ``None`` (the service then names the uploader's one library or asks)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _failure(who: web.Visitor, error: errors.ExchangeError) -> JSONResponse:
    body: dict[str, Any] = {"error": who.language.gettext(error.message)}
    if isinstance(error, errors.ValidationFailed):
        body["fields"] = web.field_errors(who, error)
    return JSONResponse(body, status_code=web.status_of(error))


async def check_cors(runtime: Runtime) -> CorsCheck | None:
    """At start-up, on S3: make sure the bucket lets the pages of ``EXCHANGE_PUBLIC_URL``
    upload straight to it (``storage.cors``), and warn when it cannot."""
    storage = runtime.storage
    if not isinstance(storage, S3Storage):
        return None
    check = await ensure_browser_uploads(storage, runtime.settings.public_url)
    if check.browser_uploads:
        log.info("S3 bucket %s lets %s upload (%s)", storage.bucket, check.origin, check.outcome)
    else:
        log.warning(
            "uploads from the browser will fail: the pages of %s cannot PUT to S3 bucket %s "
            "or read the ETag of a part (%s); allow PUT from that origin and expose ETag in "
            "the bucket's CORS rules, or upload with the form without JavaScript, the CLI or "
            "GraphQL",
            check.origin,
            storage.bucket,
            check.problem,
        )
    return check


def cors_of(request: Request) -> CorsCheck | None:
    """What the start-up check of the bucket's CORS rules found (none on local disk)."""
    return getattr(request.app.state, "upload_cors", None)


def routes(runtime: Runtime) -> list[Route]:
    policy, storage = runtime.policy, runtime.storage

    async def show(
        request: Request,
        who: web.Visitor,
        shipment_id: uuid.UUID,
        problems: dict[str, str] | None = None,
        fields: dict[str, str] | None = None,
    ) -> Response:
        """The upload page; with ``problems`` the refused form again (400), as it was."""
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
        except errors.NotFound:
            return web.not_found(request, who)
        shipment = shown.shipment
        context = {
            "view": shown,
            "files": files.items,
            "open": shipment.mode == ShipmentMode.DIGITAL.value
            and shipment.state in {s.value for s in BEFORE_DISPATCH},
            "cors": cors_of(request),
            "limits": BROWSER_LIMITS,
            "errors": problems or {},
            "form": {
                "licence": "CC-BY-4.0",
                "required_tag": "",
                "embargo_until": "",
                **(fields or {}),
            },
        }
        status = 400 if problems else 200
        response = web.render(request, who, "upload.html", context, status)
        if isinstance(storage, S3Storage):  # the page's script PUTs to the bucket's origin
            probe = await storage.presign_download("objects/probe", expires=BROWSER_LIMITS.url_ttl)
            response.headers["Content-Security-Policy"] = headers.connecting_to(origin_of(probe))
        return response

    async def page(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        try:
            shipment_id = uuid.UUID(request.path_params["shipment_id"])
        except ValueError:
            return web.not_found(request, who)
        return await show(request, who, shipment_id)

    async def post_file(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        form = FormStream(request)
        fields = await form.read_fields()
        if not who.csrf_valid(FormData(list(fields.items()))):
            return web.forbidden(request, who)
        try:
            shipment_id = uuid.UUID(fields.get("shipment", ""))
        except ValueError:
            return web.not_found(request, who)
        try:
            draft = _draft(fields, shipment_id, form.filename or "", form.media_type)
            completion = await receiving.receive(
                who.identity,
                draft,
                form.file_chunks(),
                db=runtime.db,
                storage=storage,
                policy=policy,
                spool_dir=runtime.settings.data_dir / "spool",
                max_size=FORM_MAX_BYTES,
            )
        except errors.ValidationFailed as error:
            problems = web.field_errors(who, error, lambda name: FORM_FIELDS.get(name, "form"))
            return await show(request, who, shipment_id, problems, fields)
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
            shipment_id = uuid.UUID(fields.get("shipment", ""))
            draft = _draft(
                fields, shipment_id, fields.get("filename", ""), fields.get("media_type", "")
            )
            async with runtime.db.unit_of_work() as uow:
                started = await uploads.start_upload(
                    who.identity,
                    draft,
                    uow=uow,
                    storage=storage,
                    policy=policy,
                    limits=BROWSER_LIMITS,
                )
        except ValueError:
            return JSONResponse({"error": "not found"}, status_code=404)
        except errors.ExchangeError as error:
            return _failure(who, error)
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
            object_id = uuid.UUID(request.path_params["object_id"])
            listed = json.loads(str(data.get("parts", "[]")))
            parts = [Part(int(p["number"]), str(p["etag"])) for p in listed]
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "not found"}, status_code=404)
        try:
            completion = await uploads.complete_upload(
                who.identity, object_id, parts, db=runtime.db, storage=storage, policy=policy
            )
        except errors.ExchangeError as error:
            return _failure(who, error)
        obj = completion.object
        language = who.language
        if completion.rejected is None:
            message = language.gettext(VERIFIED)
        else:
            message = language.gettext(REJECTED) % {"reason": obj.rejection_reason}
        return JSONResponse(
            {"state": obj.state, "message": message, "location": f"/uploads/{obj.id}"}
        )

    async def result(request: Request) -> Response:
        who = await web.member(request, runtime)
        if isinstance(who, Response):
            return who
        try:
            object_id = uuid.UUID(request.path_params["object_id"])
            async with runtime.db.read() as session:
                obj = await objects.get(who.identity, object_id, session=session, policy=policy)
        except (ValueError, errors.NotFound):
            return web.not_found(request, who)
        return web.render(request, who, "upload_result.html", {"object": obj})

    return [
        Route("/shipments/{shipment_id}/upload", page, methods=["GET"]),
        Route(FILE_PATH, post_file, methods=["POST"]),
        Route("/uploads/start", start, methods=["POST"]),
        Route("/uploads/{object_id}/complete", complete, methods=["POST"]),
        Route("/uploads/{object_id}", result, methods=["GET"]),
    ]
