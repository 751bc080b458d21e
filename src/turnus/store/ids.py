"""Prefixed, time-sortable identifiers (``cus_01j9…``) from UUIDv7.

The UUID's 128 bits are written in Crockford base32 (26 characters, fixed width) so that the
string order equals the creation order; cursor pagination relies on that.

The UUIDs follow RFC 9562 (version 7, method 1): 48 bits of Unix milliseconds, then a 12-bit
counter (``rand_a``) that starts at a random value below 2048 in each new millisecond and
counts the ids made within it, then 62 random bits (``rand_b``). Ids made by one process are
therefore strictly increasing; when the counter runs out the millisecond is moved on by one.
Billing runs make hundreds of thousands of ids, so the text is built from cached pieces (the
first ten characters encode exactly the 50 bits above the timestamp's end, two zero bits and the
48-bit timestamp, and change once per millisecond), and ``new_ids`` makes many at once.
"""

from __future__ import annotations

import os
import re
import struct
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ID_PATTERN = re.compile(r"^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$")
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 10 bits -> two characters

_VERSION = 7 << 12  # in the 16 bits of version and rand_a
_VARIANT = 0b10 << 62  # in the 64 bits of variant and rand_b
_RAND_B = (1 << 62) - 1
_COUNTER_LIMIT = 1 << 12

_POOL_SIZE = 8 * 1024  # random bytes drawn at once, 8 per id

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_head = ""  # the ten characters of _last_ms
_pool = b""
_taken = 0


def _forget_random() -> None:
    """A forked process must not reuse its parent's random bytes."""
    global _pool, _taken
    _pool, _taken = b"", 0


os.register_at_fork(after_in_child=_forget_random)


def _base32(value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _tail(high: int, low: int) -> str:
    """The last 16 characters: 80 bits, ``high`` (16 bits: version and counter) then ``low``
    (64 bits: variant and random)."""
    pairs = _PAIRS
    return (
        pairs[high >> 6]
        + pairs[((high & 63) << 4) | (low >> 60)]
        + pairs[(low >> 50) & 1023]
        + pairs[(low >> 40) & 1023]
        + pairs[(low >> 30) & 1023]
        + pairs[(low >> 20) & 1023]
        + pairs[(low >> 10) & 1023]
        + pairs[low & 1023]
    )


def _random(size: int) -> bytes:
    """``size`` random bytes from the pool (under the lock)."""
    global _pool, _taken
    if _taken + size > len(_pool):
        _pool, _taken = os.urandom(max(_POOL_SIZE, size)), 0
    chunk = _pool[_taken : _taken + size]
    _taken += size
    return chunk


def _new_millisecond(ms: int) -> None:
    """Move on to ``ms`` (under the lock): the counter starts at a random value below 2048
    (it is incremented before use)."""
    global _last_ms, _counter, _head
    _last_ms = ms
    _counter = int.from_bytes(_random(2)) % 2048 - 1
    _head = _base32(ms << 80)[:10]


def new_ids(prefix: str, count: int) -> list[str]:
    """``count`` new ids in creation order. The lock, the clock and the random pool are visited
    once for all of them: a billing run makes several ids per contract."""
    global _counter
    if count <= 0:
        return []
    runs: list[tuple[str, int, int]] = []  # per millisecond: head, first counter, how many
    with _lock:
        randoms = _random(8 * count)
        now = time.time_ns() // 1_000_000
        if now > _last_ms:
            _new_millisecond(now)
        left = count
        while left:
            if _counter + 1 == _COUNTER_LIMIT:
                _new_millisecond(_last_ms + 1)
            taken = min(left, _COUNTER_LIMIT - 1 - _counter)
            runs.append((_head, _counter + 1, taken))
            _counter += taken
            left -= taken
    lows = iter(struct.unpack(f">{count}Q", randoms))
    return [
        f"{prefix}_{head}{_tail(_VERSION | counter, _VARIANT | (next(lows) & _RAND_B))}"
        for head, first, taken in runs
        for counter in range(first, first + taken)
    ]


def new_id(prefix: str) -> str:
    return new_ids(prefix, 1)[0]


def looks_like_id(value: str, prefix: str | None = None) -> bool:
    if not _ID_PATTERN.match(value):
        return False
    return prefix is None or value.startswith(prefix + "_")
