"""Starlette routes that serve ``LocalStorage``'s signed URLs (an adapter, not domain code).

``PUT <prefix>/<key>?size&sha256&expires&sig`` stores an upload; with ``uploadId`` and
``partNumber`` instead it stores one multipart part and answers its ``ETag``.
``GET <prefix>/<key>?[filename][&type]&expires&sig`` sends the object, or the byte ranges
asked with ``Range``. Bodies travel in chunks
and are never held whole in memory. Errors map once, in ``STATUS``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from exchange.errors import ExchangeError, ValidationFailed
from exchange.storage.base import content_disposition
from exchange.storage.errors import (
    IntegrityMismatch,
    InvalidKey,
    ObjectMissing,
    PartsRejected,
    SignedUrlRejected,
    StorageUnavailable,
    UploadMissing,
)
from exchange.storage.local import LocalStorage

STATUS: dict[type[ExchangeError], int] = {
    SignedUrlRejected: 403,
    InvalidKey: 400,
    ValidationFailed: 400,
    PartsRejected: 400,
    ObjectMissing: 404,
    UploadMissing: 404,
    IntegrityMismatch: 422,
    StorageUnavailable: 503,
}


def error_response(error: ExchangeError) -> Response:
    status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 500)
    return JSONResponse({"error": error.code, "message": error.message}, status_code=status)


def routes(storage: LocalStorage, prefix: str = "/storage") -> list[Route]:
    """The routes for ``storage``'s signed URLs, mounted at ``prefix``."""

    async def download(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            grant = storage.urls.verify_download(key, dict(request.query_params))
            info = await storage.stat(key)
            if info is None:
                raise ObjectMissing(key)
        except ExchangeError as error:
            return error_response(error)
        headers = {"Cache-Control": "private, no-store"}
        if grant.filename:
            headers["Content-Disposition"] = content_disposition(grant.filename)
        media_type = grant.media_type or "application/octet-stream"
        # FileResponse answers byte ranges (RFC 9110 §14: 206 with Content-Range, 416 when
        # unsatisfiable), so a lecture video seeks without being downloaded whole.
        return FileResponse(storage.file_of(key), media_type=media_type, headers=headers)

    async def upload(request: Request) -> Response:
        key = request.path_params["key"]
        query = dict(request.query_params)
        try:
            if "uploadId" in query:
                grant = storage.urls.verify_part(key, query)
                etag = await storage.put_part(
                    key, grant.upload_id, grant.part_number, request.stream()
                )
                return Response(status_code=200, headers={"ETag": etag})
            upload = storage.urls.verify_upload(key, query)
            declared = request.headers.get("content-length")
            if declared is not None and declared != str(upload.size):
                raise ValidationFailed.single(
                    "Content-Length", "mismatch", "the body length is not the signed size"
                )
            stored = await storage.put(
                key,
                request.stream(),
                expected_size=upload.size,
                expected_sha256=upload.sha256,
            )
        except ExchangeError as error:
            return error_response(error)
        return Response(status_code=200, headers={"ETag": f'"{stored.sha256}"'})

    async def endpoint(request: Request) -> Response:
        if request.method == "PUT":
            return await upload(request)
        return await download(request)

    return [Route(f"{prefix.rstrip('/')}/{{key:path}}", endpoint, methods=["GET", "HEAD", "PUT"])]
