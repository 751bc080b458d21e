"""Errors the domain and the services raise. Adapters translate them (API: RFC 9457 problems)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One reason a piece of input was refused. ``pointer`` is an RFC 6901 JSON pointer."""

    pointer: str
    reason: str


class TurnusError(Exception):
    """Base of every expected error. ``slug`` names the problem type, ``status`` its HTTP class."""

    slug = "error"
    title = "Error"
    status = 400

    def __init__(self, detail: str, errors: Iterable[FieldError] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: tuple[FieldError, ...] = tuple(errors)


class ValidationFailed(TurnusError):
    slug = "validation-error"
    title = "The request is not valid"
    status = 422

    @classmethod
    def field(cls, pointer: str, reason: str) -> ValidationFailed:
        return cls(f"{pointer}: {reason}", [FieldError(pointer, reason)])


class NotFound(TurnusError):
    slug = "not-found"
    title = "Not found"
    status = 404


class Conflict(TurnusError):
    slug = "conflict"
    title = "The request conflicts with the current state"
    status = 409


class Unauthorized(TurnusError):
    slug = "unauthorized"
    title = "Authentication required"
    status = 401


class Forbidden(TurnusError):
    slug = "forbidden"
    title = "Not allowed"
    status = 403
