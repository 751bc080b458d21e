"""Turn stored rows into JSON-safe values for the audit log and stored responses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_SECRET_FIELDS = frozenset({"secret_hash", "secret", "password"})


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # the common case, unchanged (subclasses such as enums go on)
        return value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if k not in _SECRET_FIELDS}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    return value
