"""JSON documents as text, written and read with orjson.

A billing run writes tens of thousands of JSON documents (seller and buyer snapshots, ledger
metadata, mail values) and reads as many: orjson does both several times faster than the
standard library's ``json``, and it is used for the engines' JSON columns and for bulk
writes alike, so a document is stored the same way whichever path wrote it."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import JSON
from sqlalchemy.sql.elements import Null

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=_OPTIONS).decode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)


def bound(value: Any) -> str | None:
    """A JSON column's value as the text an ``INSERT`` stores: SQL ``NULL`` for
    ``sqlalchemy.null()``, the JSON ``null`` for ``None`` and ``JSON.NULL`` (SQLAlchemy's
    default for JSON columns), the document's text otherwise."""
    if isinstance(value, Null):
        return None
    if value is None or value is JSON.NULL:
        return "null"
    return dumps(value)
