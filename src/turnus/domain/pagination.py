"""Cursor pagination parameters shared by every list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from turnus.domain.errors import ValidationFailed

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    starting_after: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed.field("/limit", f"must be between 1 and {MAX_LIMIT}")


@dataclass(frozen=True)
class Page(Generic[T]):
    data: list[T]
    has_more: bool
