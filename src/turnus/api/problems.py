"""RFC 9457 problem details for every error the API can answer with."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from turnus.domain.errors import TurnusError

logger = logging.getLogger("turnus.api")

MEDIA_TYPE = "application/problem+json"

# type URI -> (title, explanation). Served at GET /problems/{slug}.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation-error": (
        "The request is not valid",
        "One or more fields were refused; errors[] names each with a reason.",
    ),
    "not-found": ("Not found", "No such object or endpoint exists for this API key."),
    "conflict": ("Conflict", "The request conflicts with the current state of the object."),
    "unauthorized": (
        "Authentication required",
        "Send a valid API key as 'Authorization: Bearer <key>'.",
    ),
    "forbidden": ("Not allowed", "The credentials are valid but may not do this."),
    "method-not-allowed": ("Method not allowed", "The endpoint exists but not for this method."),
    "unsupported-media-type": (
        "Unsupported media type",
        "Request bodies must be application/json.",
    ),
    "payload-too-large": ("Request body too large", "The request body exceeds the allowed size."),
    "idempotency-key-reused": (
        "Idempotency-Key reused",
        "The key was first used for a different request.",
    ),
    "idempotency-request-in-progress": (
        "Request in progress",
        "The first request with this key has not finished.",
    ),
    "internal-error": (
        "Internal error",
        "Something failed on our side. Nothing was changed; retry later.",
    ),
    "http-error": ("HTTP error", "The request could not be processed."),
}

_STATUS_SLUGS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
}


def type_uri(slug: str) -> str:
    return f"/problems/{slug}"


def problem_body(
    status: int,
    slug: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    title: str | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_uri(slug),
        "title": title or PROBLEM_TYPES.get(slug, (HTTPStatus(status).phrase, ""))[0],
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    return body


def problem_response(
    status: int,
    slug: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    *,
    title: str | None = None,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        problem_body(status, slug, detail, errors, title, instance),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _pointer(loc: tuple[Any, ...]) -> tuple[str, str]:
    where = str(loc[0]) if loc else "body"
    path = [str(part) for part in loc[1:]]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path), where


def _reason(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind == "json_invalid":
        return "the body is not valid JSON"
    message = str(error.get("msg", "is not valid"))
    return message[0].lower() + message[1:] if message else "is not valid"


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    items = []
    body = getattr(exc, "body", None)
    tag = body.get("type") if isinstance(body, dict) else None
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        if tag is not None and len(loc) > 1 and loc[0] == "body" and loc[1] == tag:
            # a discriminated union (orders) names the chosen member; the client's JSON has no
            # such level, so the pointer leaves it out
            loc = (loc[0], *loc[2:])
        pointer, location = _pointer(loc)
        if error.get("type") == "json_invalid":
            pointer = ""  # the body as a whole; the loc only holds the parser's position
        items.append({"pointer": pointer, "location": location, "reason": _reason(error)})
    return items


def from_exception(request: Request, exc: Exception) -> JSONResponse:
    """Map any exception to a problem response. Unknown exceptions become a bare 500."""
    if isinstance(exc, TurnusError):
        errors = [
            {"pointer": e.pointer, "location": _location(e.pointer), "reason": e.reason}
            for e in exc.errors
        ]
        return problem_response(
            exc.status, exc.slug, exc.detail, errors, title=exc.title, request=request
        )
    if isinstance(exc, RequestValidationError):
        errors = validation_errors(exc)
        detail = "; ".join(f"{e['pointer'] or '(body)'}: {e['reason']}" for e in errors)
        return problem_response(422, "validation-error", detail, errors, request=request)
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8): the same class of problem as
        # malformed JSON, so the same 422 with the same pointer.
        reason = "the body is not valid JSON in UTF-8"
        return problem_response(
            422,
            "validation-error",
            f"(body): {reason}",
            [{"pointer": "", "location": "body", "reason": reason}],
            request=request,
        )
    if isinstance(exc, StarletteHTTPException):
        slug = _STATUS_SLUGS.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No endpoint {request.method} {request.url.path} exists."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return problem_response(
            exc.status_code, slug, detail, request=request, headers=dict(exc.headers or {})
        )
    if isinstance(exc, IntegrityError):
        # A unique or foreign key constraint caught what a concurrent request changed between
        # the service's check and its write (two customers with one CRM id at the same moment).
        # The transaction was rolled back; a retry sees the usual 409 or 422 with its reason.
        logger.info(
            "integrity conflict", extra={"request_id": getattr(request.state, "request_id", None)}
        )
        return problem_response(
            409,
            "conflict",
            "A concurrent change conflicts with this request (a unique value was just taken). "
            "Nothing was changed; retry to see the reason.",
            request=request,
        )
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"request_id": getattr(request.state, "request_id", None)},
    )
    return problem_response(
        500,
        "internal-error",
        "An internal error occurred. Nothing was changed; retry later.",
        request=request,
    )


def _location(pointer: str) -> str:
    return "header" if pointer.startswith("/headers/") else "body"


async def handle(request: Request, exc: Exception) -> JSONResponse:
    return from_exception(request, exc)


def problem_json_bytes(status: int, slug: str, detail: str) -> bytes:
    return json.dumps(problem_body(status, slug, detail)).encode()
