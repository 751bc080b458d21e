"""Shared API models: strict input base, list envelope, problem details for the docs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from turnus.api.problems import MEDIA_TYPE, PROBLEM_TYPES, problem_body
from turnus.domain.errors import FieldError, ValidationFailed

T = TypeVar("T")


class StrictInput(BaseModel):
    """Base of every request body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", when_used="json", check_fields=False)
    def _iso(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        return value


class ListOf(BaseModel, Generic[T]):
    data: list[T]
    has_more: bool = Field(description="True when another page follows (use starting_after)")


class FieldProblem(BaseModel):
    pointer: str = Field(description="JSON pointer into the location, e.g. /billing_address/city")
    location: str = Field(description="body, query, path or header")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []
    instance: str | None = None


_EXAMPLES: dict[int, dict[str, Any]] = {
    401: problem_body(401, "unauthorized", "Send the API key as 'Authorization: Bearer <key>'."),
    404: problem_body(404, "not-found", "No API key with id 'key_01jd…' exists."),
    409: problem_body(409, "conflict", "API key 'key_01jd…' is already revoked."),
    413: problem_body(413, "payload-too-large", "The request body exceeds 1048576 bytes."),
    415: problem_body(
        415,
        "unsupported-media-type",
        "Request bodies must be sent as application/json, not 'text/plain'.",
    ),
    422: problem_body(
        422,
        "validation-error",
        "/country: 'XX' is not an ISO 3166-1 alpha-2 code",
        [
            {
                "pointer": "/country",
                "location": "body",
                "reason": "'XX' is not an ISO 3166-1 alpha-2 country code",
            }
        ],
    ),
    500: problem_body(
        500, "internal-error", "An internal error occurred. Nothing was changed; retry later."
    ),
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses, each with an example problem."""
    chosen = sorted({401, 422, 500, *statuses})
    return {
        status: {
            "model": Problem,
            "description": PROBLEM_TYPES[_EXAMPLES[status]["type"].rsplit("/", 1)[-1]][1],
            "content": {MEDIA_TYPE: {"example": _EXAMPLES[status]}},
        }
        for status in chosen
    }


def non_null_changes(body: BaseModel, required: frozenset[str]) -> dict[str, Any]:
    """The fields a PATCH body sets; refuses null for fields that cannot be empty."""
    changes = body.model_dump(exclude_unset=True)
    nulled = [
        FieldError(f"/{k}", "must not be null")
        for k, v in changes.items()
        if v is None and k in required
    ]
    if nulled:
        raise ValidationFailed("Required fields cannot be removed.", nulled)
    return changes
