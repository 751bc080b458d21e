"""Settled periods (``turnus.domain.billing.settlement``): reconciling only the periods after a
contract's settlement adds exactly what reconciling its whole history adds, whatever changes
reach the contract, however late, and whatever draft is deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.billing_fixtures import Books, contract, variant
from tests.test_billing_engine_properties import histories
from turnus.domain.billing.engine import expected_lines
from turnus.domain.billing.model import ContractBilling, Line, LineKey, LineKind, NewItem
from turnus.domain.billing.reconcile import reconcile
from turnus.domain.billing.settlement import (
    Settlement,
    digest,
    reconcile_unsettled,
    settle,
    unsettled,
)
from turnus.domain.contracts.lifecycle import CancellationKind

GRACE = 3


@dataclass
class SettledBooks:
    """Billing runs as ``turnus bill`` makes them: with the settlement of the last run, reading
    only what was billed after it."""

    books: Books = field(default_factory=Books)
    settlement: Settlement | None = None
    full_runs: int = 0

    def run(self, c: ContractBilling, day: date) -> list[NewItem]:
        withdrawn = c.lifecycle.cancellation is not None and (
            c.lifecycle.cancellation.kind is CancellationKind.WITHDRAWAL
        )
        lines = expected_lines(c, day).lines
        new = None
        if self.settlement is not None:
            since = self.settlement.before
            recent = [b for b in self.books.billed() if b.key.period_start >= since]
            new = reconcile_unsettled(
                lines,
                recent,
                self.settlement,
                today=day,
                withdrawn=withdrawn,
                grace_days=GRACE,
            )
        if new is None:
            self.full_runs += 1
            new = reconcile(lines, self.books.billed(), today=day, withdrawn=withdrawn)
        self.books.items.extend((day, item) for item in new)
        self.settlement = settle(lines, (), withdrawn=withdrawn, grace_days=GRACE)
        return new

    def delete_run(self, day: date) -> None:
        """A deleted draft: the items of the run on ``day`` are gone, the settlement too."""
        self.books.items = [(d, item) for d, item in self.books.items if d != day]
        self.settlement = None


def _state_known_on(
    states: list[tuple[date, ContractBilling]], day: date, lag: int
) -> ContractBilling:
    """The contract as a run on ``day`` sees it when changes are entered ``lag`` days after
    they take effect (backdated orders)."""
    known = [c for since, c in states if since + timedelta(days=lag) <= day]
    return known[-1] if known else states[0][1]


@settings(max_examples=150, deadline=None)
@given(
    histories(),
    st.integers(1, 40),
    st.integers(0, 70),
    st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_settled_runs_add_what_full_runs_add(history, step: int, lag: int, deletions) -> None:  # type: ignore[no-untyped-def]
    states, last = history
    full, settled = Books(), SettledBooks()
    day = states[0][0]
    for delete in [*deletions, *[False] * 1000]:
        if day > last:
            break
        current = _state_known_on(states, day, lag)
        expected = full.run(current, day)
        assert settled.run(current, day) == expected, day
        if delete and expected:
            full.items = [(d, item) for d, item in full.items if d != day]
            settled.delete_run(day)
        day += timedelta(days=step)
    final = states[-1][1]
    assert settled.run(final, last) == full.run(final, last)
    assert settled.run(final, last) == []


def test_an_unchanged_contract_is_reconciled_only_after_its_settlement() -> None:
    plan = variant("m", "19.99")
    c = contract(date(2027, 1, 1), plan)
    settled = SettledBooks()
    for month in range(1, 13):
        settled.run(c, date(2027, month, 1))
    assert settled.full_runs == 1  # only the first: nothing was settled before it
    assert settled.settlement is not None
    assert settled.settlement.before == date(2027, 12, 1)
    assert len(settled.books.items) == 12


def _line(kind: LineKind, start: date, amount: int) -> Line:
    return Line(
        key=LineKey(kind, "ref", start),
        due=start,
        amount=amount,
        quantity=Decimal(1),
        description="d",
        service_from=start,
        service_until=start + timedelta(days=30),
    )


JAN, FEB, MAR = date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)


def test_the_settlement_ends_at_the_latest_period_and_before_open_usage() -> None:
    lines = [_line(LineKind.FEE, JAN, 100), _line(LineKind.FEE, FEB, 100)]
    assert settle(lines, (), withdrawn=False, grace_days=3) == Settlement(
        FEB, digest(lines[:1], withdrawn=False, grace_days=3)
    )
    assert settle(lines, [JAN], withdrawn=False, grace_days=3) == Settlement(
        JAN, digest([], withdrawn=False, grace_days=3)
    )
    assert settle([], (), withdrawn=False, grace_days=3) is None


def test_a_changed_settled_line_asks_for_a_full_reconciliation() -> None:
    lines = [_line(LineKind.FEE, JAN, 100), _line(LineKind.FEE, FEB, 100)]
    settlement = settle(lines, (), withdrawn=False, grace_days=3)
    assert settlement is not None
    assert unsettled(lines, settlement, withdrawn=False, grace_days=3) == lines[1:]
    repriced = [_line(LineKind.FEE, JAN, 90), *lines[1:]]
    assert unsettled(repriced, settlement, withdrawn=False, grace_days=3) is None
    added = [*lines, _line(LineKind.COMPONENT, JAN, 5)]
    assert unsettled(added, settlement, withdrawn=False, grace_days=3) is None
    assert unsettled(lines, settlement, withdrawn=True, grace_days=3) is None
    assert unsettled(lines, settlement, withdrawn=False, grace_days=4) is None


def test_settled_usage_is_not_part_of_the_digest() -> None:
    """Usage windows before the settlement are closed and left out of later runs' lines."""
    fee = _line(LineKind.FEE, JAN, 100)
    usage = _line(LineKind.USAGE, JAN, 40)
    assert digest([fee, usage], withdrawn=False, grace_days=3) == digest(
        [fee], withdrawn=False, grace_days=3
    )
    assert digest([fee], withdrawn=False, grace_days=3) != digest([], withdrawn=False, grace_days=3)


def test_a_late_line_in_a_settled_period_is_billed() -> None:
    """A line that falls due later in a period already settled (a plan change, ordered in
    advance, to a yearly plan whose period began before) changes the digest, so it is billed."""
    lines = [_line(LineKind.FEE, FEB, 100), _line(LineKind.FEE, MAR, 100)]
    settlement = settle(lines, (), withdrawn=False, grace_days=3)
    assert settlement is not None and settlement.before == MAR
    later = [_line(LineKind.FEE, JAN, 500), *lines]
    assert unsettled(later, settlement, withdrawn=False, grace_days=3) is None
