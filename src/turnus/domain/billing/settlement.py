"""Settled periods: the part of a contract's history its reconciliation need not read again.

Reconciliation compares every line expected since a contract's start with every item billed
for it, so a run's work per contract would grow with the contract's age. But once a run has
reconciled a contract, the items of its earlier periods equal the lines expected for them, and
stay equal for as long as those lines do not change: only billing runs write a contract's items,
and a deleted draft, the one thing that takes items away, forgets the settlement.

So a run keeps, per contract, a ``Settlement``: the day before which the contract's periods are
settled, and a digest of the lines expected for them. A later run still computes every line,
but compares those of the settled periods with the digest only, and reads and reconciles the
items of the later periods alone. Any change of a settled line (an order backdated into those
periods, a new price version, a withdrawal) gives another digest, and that contract is
reconciled in full, once; a line that becomes due later in a settled period does the same.

Metered usage: the settled day never lies after the start of a usage window still inside its
grace period, so the windows before it are closed (no event is accepted for them any more) and
left out, as a run leaves out usage it has settled. Their lines are not in the digest; the grace
period and whether the contract was withdrawn (which reverses settled usage too) are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from hashlib import blake2b

from turnus.domain.billing.model import Billed, Line, LineKind, NewItem
from turnus.domain.billing.reconcile import reconcile

# Bumped whenever what the digest covers changes: every stored settlement then mismatches and
# is made again by one full reconciliation.
_DIGEST_VERSION = "1"


@dataclass(frozen=True)
class Settlement:
    """Periods starting before ``before`` are settled; ``digest``: of their expected lines."""

    before: date
    digest: str


def digest(lines: Iterable[Line], *, withdrawn: bool, grace_days: int) -> str:
    """A digest of what reconciliation reads of ``lines`` (key and amount), in their order."""
    text = "\n".join(
        f"{line.key.kind.value}\t{line.key.ref_id}\t{line.key.period_start.isoformat()}"
        f"\t{line.amount}"
        for line in lines
        if line.key.kind is not LineKind.USAGE
    )
    header = f"{_DIGEST_VERSION}\t{int(withdrawn)}\t{grace_days}\n"
    return blake2b((header + text).encode(), digest_size=16).hexdigest()


def settle(
    lines: Sequence[Line],
    open_usage: Iterable[date],
    *,
    withdrawn: bool,
    grace_days: int,
) -> Settlement | None:
    """The settlement after reconciling ``lines`` (all expected lines, in the engine's order):
    every period before the latest one billed, and before the first usage window still open
    (``open_usage``: the period starts of windows inside their grace period). None when
    nothing is billed."""
    if not lines:
        return None
    before = min([max(line.key.period_start for line in lines), *open_usage])
    settled = [line for line in lines if line.key.period_start < before]
    return Settlement(before, digest(settled, withdrawn=withdrawn, grace_days=grace_days))


def unsettled(
    lines: Sequence[Line],
    settlement: Settlement,
    *,
    withdrawn: bool,
    grace_days: int,
) -> list[Line] | None:
    """The lines of the periods from ``settlement.before`` on, or None when a line of the
    settled periods is not what it was (the contract must be reconciled in full)."""
    settled: list[Line] = []
    recent: list[Line] = []
    for line in lines:
        (settled if line.key.period_start < settlement.before else recent).append(line)
    if digest(settled, withdrawn=withdrawn, grace_days=grace_days) != settlement.digest:
        return None
    return recent


def reconcile_unsettled(
    lines: Sequence[Line],
    recent_billed: Iterable[Billed],
    settlement: Settlement,
    *,
    today: date,
    withdrawn: bool,
    grace_days: int,
) -> list[NewItem] | None:
    """``reconcile`` of the periods after ``settlement`` alone (``recent_billed``: what was
    billed for them), or None when the settled periods changed."""
    recent = unsettled(lines, settlement, withdrawn=withdrawn, grace_days=grace_days)
    if recent is None:
        return None
    return reconcile(recent, recent_billed, today=today, withdrawn=withdrawn)
