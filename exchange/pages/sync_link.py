"""The HTTP side of ``exchange sync push|pull`` (protocol in ``exchange.sync.link``):
``/sync/inbox/<name>`` receives a bundle in resumable chunks, ``/sync/outbox`` makes and
serves the bundle for the asking peer with byte ranges."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from exchange.errors import ExchangeError, Unauthenticated
from exchange.identity.identity import SYSTEM
from exchange.runtime import Runtime
from exchange.sync import link
from exchange.sync.errors import BundleRefused, BundleWaiting
from exchange.sync.models import SyncPeer

MAX_CHUNK = 16 * 1024 * 1024


def routes(runtime: Runtime) -> list[Route]:
    root = runtime.settings.data_dir / "sync"

    async def peer_of(request: Request) -> SyncPeer:
        async with runtime.db.read() as session:
            return await link.authenticate(
                session, request.method, request.url.path, dict(request.headers)
            )

    def denied(error: ExchangeError) -> Response:
        status = 401 if isinstance(error, Unauthenticated) else 400
        return JSONResponse({"error": error.message}, status_code=status)

    async def size_of(path: Path) -> int:
        exists = await anyio.to_thread.run_sync(path.exists)
        return (await anyio.to_thread.run_sync(path.stat)).st_size if exists else 0

    async def upload(request: Request) -> Response:
        try:
            peer = await peer_of(request)
            name = link.check_name(request.path_params["name"])
        except ExchangeError as error:
            return denied(error)
        folder = root / "inbox" / str(peer.id)
        await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
        partial = folder / f"{name}.part"
        have = await size_of(partial)
        if request.method == "HEAD":
            return Response(headers={"Upload-Offset": str(have)})
        try:
            offset = int(request.headers["upload-offset"])
            total = int(request.headers["upload-length"])
        except (KeyError, ValueError):
            return JSONResponse({"error": "Upload-Offset and Upload-Length"}, status_code=400)
        if offset != have:
            return JSONResponse(
                {"error": "offset"}, status_code=409, headers={"Upload-Offset": str(have)}
            )
        data = await request.body()
        if len(data) > MAX_CHUNK or have + len(data) > total:
            return JSONResponse({"error": "chunk too large"}, status_code=413)
        async with await anyio.open_file(partial, "ab") as handle:
            await handle.write(data)
        have += len(data)
        if have < total:
            return Response(status_code=204, headers={"Upload-Offset": str(have)})
        complete = folder / name
        await anyio.to_thread.run_sync(partial.replace, complete)
        from exchange.sync import inbox  # bundles, at the first one (issue 15: start-up)

        try:
            lines = await inbox.receive(runtime, complete)
        except BundleWaiting as error:
            return JSONResponse({"outcome": "waiting", "reason": error.message}, status_code=202)
        except BundleRefused as error:
            return JSONResponse({"outcome": "refused", "reason": error.reason}, status_code=422)
        finally:
            await anyio.to_thread.run_sync(lambda: complete.unlink(missing_ok=True))
        return JSONResponse({"outcome": "applied", "lines": lines})

    async def make_outgoing(request: Request) -> Response:
        try:
            peer = await peer_of(request)
        except ExchangeError as error:
            return denied(error)
        folder = root / "outbox" / str(peer.id)
        name = f"{uuid.uuid4().hex}.tar.gz"
        from exchange.sync import export  # bundles, at the first one (issue 15: start-up)

        async with runtime.db.unit_of_work() as uow:
            done = await export.export(
                SYSTEM,
                peer.id,
                folder / name,
                uow=uow,
                key=runtime.instance_key,
                storage=runtime.storage,
            )
        return JSONResponse({"name": name, "size": done.size, "changes": done.changes})

    async def serve_outgoing(request: Request) -> Response:
        try:
            peer = await peer_of(request)
            name = link.check_name(request.path_params["name"])
        except ExchangeError as error:
            return denied(error)
        path = root / "outbox" / str(peer.id) / name
        size = await size_of(path)
        if not size:
            return JSONResponse({"error": "no such bundle"}, status_code=404)
        start = 0
        ranged = request.headers.get("range", "")
        if ranged.startswith("bytes=") and ranged.endswith("-"):
            try:
                start = int(ranged[len("bytes=") : -1])
            except ValueError:
                return Response(status_code=416)
        if start >= size:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})

        async def body() -> AsyncIterator[bytes]:
            async with await anyio.open_file(path, "rb") as handle:
                await handle.seek(start)
                while chunk := await handle.read(256 * 1024):
                    yield chunk

        headers = {"Content-Length": str(size - start), "Accept-Ranges": "bytes"}
        if start:
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        return StreamingResponse(
            body(),
            status_code=206 if start else 200,
            media_type="application/gzip",
            headers=headers,
        )

    return [
        Route("/sync/inbox/{name}", upload, methods=["HEAD", "PATCH"]),
        Route("/sync/outbox", make_outgoing, methods=["POST"]),
        Route("/sync/outbox/{name}", serve_outgoing, methods=["GET"]),
    ]
