"""Document number formats such as ``RE-{YYYY}-{SEQ:06}``.

Placeholders: ``{YYYY}`` (year, 4 digits), ``{YY}`` (2 digits), ``{MM}`` (month, 2 digits) and
exactly one ``{SEQ}`` or ``{SEQ:0n}`` (the running number, zero-padded to n digits, 1-12).
Everything else is literal text of letters, digits and ``- / _ .``. The running number restarts
whenever the date parts in the format change: yearly for ``{YYYY}``, monthly with ``{MM}``,
never without a date part. Written by hand: no maintained library renders gapless
invoice numbers with restarting counters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from turnus.domain.errors import FieldError, ValidationFailed

_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"SEQ(?::0([1-9]|1[0-2]))?")
_LITERAL = re.compile(r"[A-Za-z0-9\-/_.]*")
_DATE_PARTS = ("YYYY", "YY", "MM")
MAX_LENGTH = 40


@dataclass(frozen=True)
class NumberFormat:
    pattern: str

    def __post_init__(self) -> None:
        errors = format_errors(self.pattern, "")
        if errors:
            raise ValidationFailed(f"The number format is not valid: {errors[0].reason}", errors)

    def period_key(self, issued_on: date) -> str:
        """The date parts that restart the count ("2026", "2026-03" or "")."""
        year = "YYYY" in self.pattern or "{YY}" in self.pattern
        month = "{MM}" in self.pattern
        if year and month:
            return f"{issued_on.year:04d}-{issued_on.month:02d}"
        if year:
            return f"{issued_on.year:04d}"
        if month:  # a month without a year still restarts each month
            return f"{issued_on.year:04d}-{issued_on.month:02d}"
        return ""

    def render(self, issued_on: date, sequence: int) -> str:
        return self.render_many(issued_on, sequence, 1)[0]

    def render_many(self, issued_on: date, first: int, count: int) -> list[str]:
        """The numbers ``first`` to ``first + count - 1`` issued on ``issued_on``: the date parts
        are filled in once, then only the running number (a billing run numbers thousands)."""
        if first < 1:
            raise ValueError("running numbers start at 1")
        head, width, tail = self._around(issued_on)
        return [f"{head}{sequence:0{width}d}{tail}" for sequence in range(first, first + count)]

    def _around(self, issued_on: date) -> tuple[str, int, str]:
        """The text before the running number on ``issued_on``, its width, the text after."""
        width = 1

        def replace(match: re.Match[str]) -> str:
            nonlocal width
            part = match.group(1)
            if part == "YYYY":
                return f"{issued_on.year:04d}"
            if part == "YY":
                return f"{issued_on.year % 100:02d}"
            if part == "MM":
                return f"{issued_on.month:02d}"
            seq = _SEQ.fullmatch(part)
            assert seq is not None
            width = int(seq.group(1) or 1)
            return "{SEQ}"  # braces are no literal text: this is the one running number

        head, tail = _TOKEN.sub(replace, self.pattern).split("{SEQ}")
        return head, width, tail


def format_errors(pattern: object, pointer: str) -> list[FieldError]:
    def error(reason: str) -> list[FieldError]:
        return [FieldError(pointer, reason)]

    if not isinstance(pattern, str) or not pattern.strip():
        return error("must be a format such as RE-{YYYY}-{SEQ:06}")
    if len(pattern) > MAX_LENGTH:
        return error(f"must be at most {MAX_LENGTH} characters")
    tokens = _TOKEN.findall(pattern)
    unknown = [t for t in tokens if t not in _DATE_PARTS and not _SEQ.fullmatch(t)]
    if unknown:
        return error(
            f"'{{{unknown[0]}}}' is not a placeholder (use {{YYYY}}, {{YY}}, {{MM}}, {{SEQ:06}})"
        )
    sequences = [t for t in tokens if _SEQ.fullmatch(t)]
    if len(sequences) != 1:
        return error("must contain the running number {SEQ} (or {SEQ:06}) exactly once")
    literal = _TOKEN.sub("", pattern)
    if not _LITERAL.fullmatch(literal):
        return error("may contain only letters, digits, '-', '/', '_' and '.' besides placeholders")
    return []
