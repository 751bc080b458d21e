"""Decoding JSON columns into immutable values, once per distinct document.

A billing run reads thousands of rows whose JSON columns mostly repeat (the terms of a few
plan variants, empty pauses and skips): read as text, each distinct document is parsed and
turned into its value once per ``Decoder``. The values must be immutable (frozen dataclasses,
tuples), since every row with the same document shares them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from turnus.store import json_text

T = TypeVar("T")
_MISSING = object()


class Decoder:
    """``decode(parse, value)``: ``parse`` of the JSON document ``value``; ``value`` is the
    document's text, or already decoded (a row read the usual way), which is parsed each time.
    Remembers up to ``limit`` documents, then starts over."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._memo: dict[tuple[Callable[[Any], Any], str], Any] = {}

    def decode(self, parse: Callable[[Any], T], value: Any) -> T:
        if not isinstance(value, str):
            return parse(value)
        key = (parse, value)
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            if len(self._memo) >= self._limit:
                self._memo.clear()
            found = self._memo[key] = parse(json_text.loads(value))
        return found  # type: ignore[no-any-return]


class Plain(Decoder):
    """Parses every value as given: for rows whose JSON columns are already decoded."""

    def decode(self, parse: Callable[[Any], T], value: Any) -> T:
        return parse(json_text.loads(value) if isinstance(value, str) else value)


PLAIN = Plain()
