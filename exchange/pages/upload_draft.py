"""What the upload pages share: the page itself, the limits of browser uploads, reading a
posted form into an upload draft, the JSON shape of a refusal, and the start-up check of the
bucket's CORS rules (logged, and shown on the page)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import errors
from exchange.http import headers
from exchange.objects import licences, uploads
from exchange.pages import partner_picker, web
from exchange.pages.i18n import N_
from exchange.runtime import Runtime
from exchange.storage.base import MAX_PARTS, Part, Storage
from exchange.storage.cors import origin_of
from exchange.storage.local import LocalStorage

if TYPE_CHECKING:
    from exchange.catalogue.models import Work
    from exchange.objects.models import DigitalObject
    from exchange.partners.models import Partner
    from exchange.shipments.view import ShipmentView
    from exchange.storage.cors import CorsCheck

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
    "ownerPartnerId": "owner",
}
VERIFIED = N_("The stored file was verified: its size and SHA-256 are the declared ones.")
PARTS_UNREADABLE = N_("The list of uploaded parts could not be read.")
REJECTED = N_("The file was refused and nothing was kept: %(reason)s")
# The licences the form suggests: open ones first (anyone downloads), then the others
# (``objects.licences``); a ``LicenseRef-<name>`` may be typed too.
SUGGESTED_LICENCES = (*sorted(licences.OPEN), *sorted(licences.RESTRICTED))
# the form fields that name what the file is attached to (one of them)
_ATTACHED_TO = ("shipment", "work")


def attachment_of(fields: dict[str, str]) -> uploads.Attachment:
    """What the posted form attaches its file to: a shipment or a work, by id. Raises
    ``ValueError`` when it names neither, or a malformed id (the page then answers 404)."""
    named = [name for name in _ATTACHED_TO if fields.get(name)]
    if len(named) != 1:
        raise ValueError("the form names no shipment or work")
    target = uuid.UUID(fields[named[0]])
    if named[0] == "work":
        return uploads.Attachment(work_id=target)
    return uploads.Attachment(shipment_id=target)


async def open_to_storage(response: Response, storage: Storage) -> Response:
    """An upload page on S3: its script PUTs to the bucket's origin, which the page's
    Content-Security-Policy must then name (``connect-src``)."""
    if not isinstance(storage, LocalStorage):
        probe = await storage.presign_download("objects/probe", expires=BROWSER_LIMITS.url_ttl)
        response.headers["Content-Security-Policy"] = headers.connecting_to(origin_of(probe))
    return response


def draft_of(
    fields: dict[str, str], attachment: uploads.Attachment, filename: str, media_type: str
) -> uploads.UploadDraft:
    """The upload draft a posted form describes (``ValidationFailed`` on ``embargo_until``,
    or on ``ownerPartnerId`` for an owner that is no partner's id)."""

    embargo = fields.get("embargo_until", "").strip()
    try:
        until = date.fromisoformat(embargo) if embargo else None
    except ValueError:
        raise errors.ValidationFailed.single(
            "embargo_until", "invalid", N_("Give the embargo as a date.")
        ) from None
    return uploads.UploadDraft(
        filename=filename,
        size=_declared_size(fields.get("size", "")),
        sha256=fields.get("sha256", "").strip().lower(),
        media_type=media_type or "application/octet-stream",
        licence=fields.get("licence", ""),
        attachment=attachment,
        owner_partner_id=partner_picker.partner_id(
            fields.get("owner", "").strip(), "ownerPartnerId"
        ),
        required_tag=fields.get("required_tag") or None,
        embargo_until=until,
    )


def _declared_size(raw: str) -> int:
    """The size the script declares (``ValidationFailed`` on ``size`` when it is not a whole
    number); 0 when none is (the form without JavaScript: the instance measures the file)."""
    if not raw.strip():
        return 0
    return web.whole_number(raw, "size", high=uploads.MAX_SIZE)


MAX_ETAG = 1024  # characters of one part's ETag as the page's script reports it


def parts_of(raw: object) -> list[Part]:
    """The parts a page's script reports as uploaded: JSON ``[{"number": n, "etag": "..."}]``
    with whole numbers 1 to ``MAX_PARTS`` (RFC 8259; S3 numbers parts 1-10,000). Raises
    ``ValidationFailed`` (field ``parts``, code ``invalid``) for anything else: text that is
    not JSON, nested too deep, numbers that are not whole or out of range, missing keys."""
    try:
        listed = json.loads(raw if isinstance(raw, str) else "", parse_constant=_no_constant)
    except (ValueError, RecursionError):
        listed = None
    if not isinstance(listed, list) or not len(listed) <= MAX_PARTS:
        raise errors.ValidationFailed.single("parts", "invalid", PARTS_UNREADABLE)
    parts: list[Part] = []
    for item in listed:
        number = item.get("number") if isinstance(item, dict) else None
        etag = item.get("etag") if isinstance(item, dict) else None
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or not 1 <= number <= MAX_PARTS
            or not isinstance(etag, str)
            or not 1 <= len(etag) <= MAX_ETAG
        ):
            raise errors.ValidationFailed.single("parts", "invalid", PARTS_UNREADABLE)
        parts.append(Part(number, etag))
    return parts


def _no_constant(name: str) -> object:
    raise ValueError(name)  # NaN, Infinity, -Infinity are not JSON (RFC 8259 §6)


async def page(
    request: Request,
    who: web.Visitor,
    storage: Storage,
    *,
    files: Sequence[DigitalObject],
    open_: bool,
    view: ShipmentView | None = None,
    work: Work | None = None,
    owners: Sequence[Partner] = (),
    problems: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    refusal: errors.PermissionDenied | None = None,
) -> Response:
    """The upload page (``upload.html``) of a shipment (``view``) or of a work (``work``,
    held by one of ``owners``): its ``files`` and, when ``open_``, the form; with
    ``problems`` the refused form again (400), as it was (``fields``). With ``refusal``
    (``uploaders.refusal``: the policy refuses the visitor any upload here) the page says
    it, as the refused post would, in place of the form."""
    context = {
        "refusal": None if refusal is None else web.described(who, refusal),
        "view": view,
        "work": work,
        "owners": owners,
        "licences": SUGGESTED_LICENCES,
        "files": files,
        "open": open_ and refusal is None,
        "cors": cors_of(request),
        "limits": BROWSER_LIMITS,
        "errors": problems or {},
        "form": {
            "licence": "CC-BY-4.0",
            "required_tag": "",
            "embargo_until": "",
            "owner": str(owners[0].id) if owners else "",
            **(fields or {}),
        },
    }
    status = 400 if problems else 200
    response = web.render(request, who, "upload.html", context, status)
    return await open_to_storage(response, storage)


def failure(who: web.Visitor, error: errors.ExchangeError) -> JSONResponse:
    """A refusal for the page's script: ``{"error": text, "fields": {domain field: text}}``
    with the status. ``error`` is what the page shows a person, said as every page says
    a domain message (``Language.say``: actions, states and records by their labels, never
    by internal names); for a validation failure, its fields' messages (without the
    domain's field names, such as ``requiredTag``)."""
    language = who.language
    body: dict[str, Any] = {"error": language.say(error.message)}
    if isinstance(error, errors.ValidationFailed) and error.errors:
        body["fields"] = web.field_errors(who, error)
        body["error"] = " ".join(dict.fromkeys(body["fields"].values()))
    return JSONResponse(body, status_code=web.status_of(error))


async def check_cors(runtime: Runtime) -> CorsCheck | None:
    """At start-up, on S3: make sure the bucket lets the pages of ``EXCHANGE_PUBLIC_URL``
    upload straight to it (``storage.cors``), and warn when it cannot."""
    storage = runtime.storage
    if isinstance(storage, LocalStorage):
        return None
    # boto3 is imported only when the storage is S3 (start-up of a local instance stays light)
    from exchange.storage.cors import ensure_browser_uploads
    from exchange.storage.s3 import S3Storage

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
