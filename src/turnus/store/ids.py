"""Prefixed, time-sortable identifiers (``cus_01j9…``) from UUIDv7.

The UUID's 128 bits are written in Crockford base32 (26 characters, fixed width) so that the
string order equals the creation order; cursor pagination relies on that.
"""

from __future__ import annotations

import re

from uuid6 import uuid7

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ID_PATTERN = re.compile(r"^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$")


def _base32(value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    return f"{prefix}_{_base32(uuid7().int)}"


def looks_like_id(value: str, prefix: str | None = None) -> bool:
    if not _ID_PATTERN.match(value):
        return False
    return prefix is None or value.startswith(prefix + "_")
