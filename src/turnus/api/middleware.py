"""ASGI middleware: request ids, body limits and media types, access logs."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from turnus.api.problems import MEDIA_TYPE, problem_json_bytes

access_log = logging.getLogger("turnus.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_TYPES = ("application/json", "application/merge-patch+json")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-Id``), enforces the body size limit and JSON
    bodies, and writes one structured access log line. Never logs headers or bodies."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = (
            incoming
            if incoming and _REQUEST_ID.match(incoming)
            else ("req_" + secrets.token_hex(12))
        )
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            rejection = None
            if scope["method"] in _BODY_METHODS:
                rejection, receive = await self._buffer_body(scope, receive)
            if rejection is not None:
                await self._reject(send_with_id, *rejection)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            state = scope.get("state", {})
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "tenant_id": state.get("tenant_id"),
                },
            )

    async def _buffer_body(
        self, scope: Scope, receive: Receive
    ) -> tuple[tuple[int, str, str] | None, Receive]:
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return (
                413,
                "payload-too-large",
                f"The request body exceeds {self.max_body_bytes} bytes.",
            ), receive
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return (
                    413,
                    "payload-too-large",
                    f"The request body exceeds {self.max_body_bytes} bytes.",
                ), receive
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if body and content_type not in _JSON_TYPES:
            return (
                415,
                "unsupported-media-type",
                f"Request bodies must be sent as application/json, not "
                f"'{content_type or 'no content type'}'.",
            ), receive
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay

    @staticmethod
    async def _reject(send: Send, status: int, slug: str, detail: str) -> None:
        body = problem_json_bytes(status, slug, detail)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
