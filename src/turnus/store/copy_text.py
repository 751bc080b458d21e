"""The data of a ``COPY ... FROM STDIN`` in PostgreSQL's text format, made column by column.

psycopg formats a COPY row by row, each value through its type's dumper. A billing run's
columns are uniform and repetitive, so each is turned into text at once here, mostly in C: a
column of strings as it is (one scan of the joined column finds whether any needs escaping),
each distinct integer once, instants once per distinct object; the rows are then joined with
``str.join``. Measured on the rows of a run of 20,000 contracts (client side only): 194 ms
against 290 ms for psycopg's ``write_row``. A column of any other type (a library type without
a fixed text form here) makes ``encoded`` return ``None``, and the caller leaves the rows to
psycopg.

The text format (PostgreSQL, "COPY", "Text Format"): columns separated by a tab, rows ended
by a newline, ``\\N`` for NULL, and a backslash, tab, newline or carriage return inside a
value written as a backslash sequence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from operator import is_
from typing import Any

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NONE = type(None)


def _needs_escaping(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _strings(values: Sequence[Any], nulls: bool) -> Sequence[str]:
    present = [v for v in values if v is not None] if nulls else values
    if not _needs_escaping("".join(present)):
        return [NULL if v is None else v for v in values] if nulls else values
    return [NULL if v is None else v.translate(_ESCAPES) for v in values]


def _texts(values: Sequence[Any], nulls: bool, text: Any) -> list[str]:
    """``text`` of each value whose text needs no escaping (numbers, booleans)."""
    if nulls:
        return [NULL if v is None else text(v) for v in values]
    return list(map(text, values))


def _distinct_texts(values: Sequence[Any], nulls: bool, text: Any) -> list[str]:
    """``text`` of each distinct value (by equality), then looked up for every value in C."""
    texts: dict[Any, str] = dict.fromkeys(values, NULL)
    texts.pop(None, None)
    for value in texts:
        texts[value] = text(value)
    if nulls:
        texts[None] = NULL
    return list(map(texts.__getitem__, values))


def _boolean(value: bool) -> str:
    return "t" if value else "f"


def _instants(values: Sequence[Any]) -> list[str]:
    """ISO 8601 (with the offset of an aware instant, which the server reads in any
    ``DateStyle``), made once per distinct object: a batch's rows share a few."""
    distinct = {id(v): v for v in values if v is not None}
    text = {key: value.isoformat() for key, value in distinct.items()}
    return [NULL if v is None else text[id(v)] for v in values]


def one_object(values: Sequence[Any]) -> bool:
    """Whether every value is one and the same object (a batch's day, its instant, its run):
    a scan in C that stops at the first other object."""
    return bool(values) and all(map(is_, values, repeat(values[0])))


def column(values: Sequence[Any]) -> Sequence[str] | None:
    """Each value's field text, or ``None`` if the column holds a type without a text form
    here."""
    if len(values) > 1 and one_object(values):
        text = column(values[:1])
        return None if text is None else list(text) * len(values)
    kinds = set(map(type, values))
    nulls = _NONE in kinds
    kinds.discard(_NONE)
    if not kinds:
        return [NULL] * len(values)
    if len(kinds) > 1:
        return None
    kind = kinds.pop()
    if kind is str:
        return _strings(values, nulls)
    if kind is int:  # equal integers have equal text: each distinct one is written once
        return _distinct_texts(values, nulls, str)
    if kind is bool:
        return _distinct_texts(values, nulls, _boolean)
    if kind is Decimal:  # no escaping needed; equal decimals may differ in scale (1.0, 1.00)
        return _texts(values, nulls, str)
    if kind is datetime or kind is date:
        return _instants(values)
    return None


def encoded(columns: Sequence[Sequence[Any]]) -> str | None:
    """The COPY data of the rows whose values ``columns`` hold (all of the same length), or
    ``None`` if a column holds a type without a text form here."""
    texts = []
    for values in columns:
        text = column(values)
        if text is None:
            return None
        texts.append(text)
    if not texts or not texts[0]:
        return ""
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"
