"""Settled periods: the part of a contract's history its billing need not compute again.

Reconciliation compares every line expected since a contract's start with every item billed
for it, so without settlements a run's work per contract grows with the contract's age. But
once a run has reconciled a contract, the items of its earlier periods equal the lines expected
for them, and those lines cannot change while the engine's inputs stay the same:

- a line's amount depends on the contract's dated facts alone, not on the day billed up to;
- the periods settled end before the first period that still has something to fall due and
  before the first usage window still inside its grace period (later windows take no events);
- only billing runs write a contract's items, and a deleted draft, the one thing that takes
  items away, forgets the settlement.

So a run keeps, per contract, a ``Settlement``: the day before which the contract's periods
are settled, a fingerprint of the engine's inputs (the contract with everything that prices
it, the usage grace period, and the version of the engine's code), and how many periods each
discount limited to a number of periods has counted before that day. While the fingerprint
holds, a later run computes only the lines of the later periods and reads only their items;
any change of the inputs (an order, a price, a discount, a withdrawal, a new release of the
engine) gives another fingerprint, and that contract is billed in full, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from hashlib import blake2b

from turnus.domain.billing.model import ContractBilling, Expected

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Settlement:
    """Periods starting before ``before`` are settled while the engine's inputs have the
    ``fingerprint``; ``counted``: the periods each discount limited to a number of periods
    counted before ``before`` (by discount id; the others are not listed)."""

    before: date
    fingerprint: str
    counted: Mapping[str, int] = field(default_factory=dict)


# Fields whose values the contracts of a billing run share (the catalog's entries): their text
# is made once per object (see ``fingerprint``'s ``shared``).
_SHARED_FIELDS = frozenset({"variants", "components", "trial", "intro", "setup_fee", "setup_tax"})
_FIELDS = tuple((f.name, f.name in _SHARED_FIELDS) for f in fields(ContractBilling))


def fingerprint(
    contract: ContractBilling,
    *,
    grace_days: int,
    engine_version: str,
    shared: dict[int, str] | None = None,
) -> str:
    """A digest of everything the lines of a contract are computed from: every field of the
    contract as its ``repr`` shows it (the dataclasses' ``repr`` shows every field that takes
    part in equality; a price schedule's memo of lookups does not). ``shared`` remembers the
    text of the catalog's entries by object: the caller keeps it only while those objects
    live (a batch), so an id always stands for the same object."""
    memo = shared if shared is not None else {}
    parts = [engine_version, str(grace_days)]
    for name, is_shared in _FIELDS:
        value = getattr(contract, name)
        if not is_shared:
            parts.append(repr(value))
        elif isinstance(value, Mapping):
            parts.append(";".join(f"{key}={_text(item, memo)}" for key, item in value.items()))
        else:
            parts.append(_text(value, memo))
    return blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _text(value: object, memo: dict[int, str]) -> str:
    key = id(value)
    found = memo.get(key)
    if found is None:
        found = memo[key] = repr(value)
    return found


def usable(settlement: Settlement | None, until: date, current: str) -> Settlement | None:
    """The settlement, if it holds for billing up to ``until`` with inputs of fingerprint
    ``current`` (a run for an earlier day than the settled one computes the whole history)."""
    if settlement is None or settlement.fingerprint != current or until < settlement.before:
        return None
    return settlement


def settle(
    expected: Expected,
    usage_in_grace: Iterable[date],
    *,
    previous: Settlement | None,
) -> tuple[date, dict[str, int]] | None:
    """The day before which the periods are settled once the lines of ``expected`` are billed,
    and the limited discounts' counts before it; None when nothing is settled. ``expected``
    was computed after ``previous`` (its lines start on ``previous.before``), or whole
    without it; ``usage_in_grace``: the period starts of the usage windows still inside their
    grace period. A contract billed for one period only settles nothing, so that a run of
    contracts billed for the first time (most of a growing merchant's) makes no fingerprints
    and writes no settlements; the next run settles it."""
    lines = expected.lines  # in the order of their periods
    if not lines:
        return (previous.before, dict(previous.counted)) if previous is not None else None
    first, latest = lines[0].key.period_start, lines[-1].key.period_start
    if previous is None and first == latest:
        return None  # billed for one period: settling it would not pay (see above)
    # every period with all its lines due, but none with usage that may still change
    before = latest + _DAY if expected.pending_from is None else expected.pending_from
    before = min((before, *usage_in_grace))
    if previous is not None and before < previous.before:
        return None  # not expected to happen: then the next run computes the whole history
    if previous is None and before <= first:
        return None
    counted = dict(previous.counted) if previous is not None else {}
    for discount_id, periods in expected.counted.items():
        more = sum(1 for start in periods if start < before)
        if more:
            counted[discount_id] = counted.get(discount_id, 0) + more
    return before, counted
