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
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ID_PATTERN = re.compile(r"^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$")
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 10 bits -> two characters

_VERSION = 7 << 12  # in the 16 bits of version and rand_a
_COUNTER_LIMIT = 1 << 12

_POOL_SIZE = 8 * 1024  # random bytes drawn at once, 13 per id

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


# A random byte's low five bits as a base32 character (256 is a multiple of 32: uniform).
_RANDOM_CHARS = bytes(ord(_ALPHABET[byte & 31]) for byte in range(256))
_VARIANT_BITS = 0b1000  # the variant (10) and two random bits, below the counter's last six


def _random_text(randoms: bytes, count: int) -> tuple[str, bytes]:
    """The last 12 characters of ``count`` ids (60 random bits each) and a byte each for the
    two random bits beside the variant, from ``13 * count`` random bytes."""
    return randoms[: 12 * count].translate(_RANDOM_CHARS).decode("ascii"), randoms[12 * count :]


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
    once for all of them: a billing run makes several ids per contract.

    After the ten characters of the millisecond, an id's 80 bits are 16 characters: the
    version and the counter (16 bits), the variant (2 bits) and 62 random bits. The first
    four characters hold the version, the counter, the variant and two random bits; the last
    twelve are random, each a random byte's low five bits (``_RANDOM_CHARS``)."""
    global _counter
    if count <= 0:
        return []
    runs: list[tuple[str, int, int]] = []  # per millisecond: head, first counter, how many
    with _lock:
        randoms = _random(13 * count)
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
    text, twos = _random_text(randoms, count)
    pairs = _PAIRS
    result = []
    index = 0
    for head, first, taken in runs:
        for high in range(_VERSION + first, _VERSION + first + taken):  # version | counter
            start = 12 * index
            result.append(
                f"{prefix}_{head}{pairs[high >> 6]}"
                f"{pairs[((high & 63) << 4) | _VARIANT_BITS | (twos[index] & 3)]}"
                f"{text[start : start + 12]}"
            )
            index += 1
    return result


def new_id(prefix: str) -> str:
    return new_ids(prefix, 1)[0]


def looks_like_id(value: str, prefix: str | None = None) -> bool:
    if not _ID_PATTERN.match(value):
        return False
    return prefix is None or value.startswith(prefix + "_")
