"""Properties of the billing engine and reconciliation, for random contracts and changes:
whatever the order of runs, what is billed per key ends equal to what is expected, and a
repeated run adds nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.billing_fixtures import (
    EUR,
    MONTH,
    YEAR,
    Books,
    change_plan,
    change_quantity,
    component,
    contract,
    variant,
)
from turnus.domain.billing.engine import expected_lines
from turnus.domain.billing.model import ContractBilling
from turnus.domain.catalog.calendar import schedule_anchor
from turnus.domain.catalog.model import BillingTiming, Price, PricingModel
from turnus.domain.contracts.lifecycle import CancellationKind

SEATS = component("seats", Price(EUR, PricingModel.PER_UNIT, Decimal("7.35")))
PLANS = [variant("m", "19.99"), variant("q", "54.00"), variant("y", "199.00", YEAR)]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[date, ContractBilling]], date]:
    """A contract and the states it goes through, each from a day on."""
    start = draw(st.dates(date(2027, 1, 1), date(2028, 12, 31)))
    plan = draw(st.sampled_from(PLANS[:2]))
    anchor_day = draw(st.one_of(st.none(), st.integers(1, 31)))
    anchor = schedule_anchor(start, MONTH, anchor_day)
    timing = draw(st.sampled_from(list(BillingTiming)))
    c = contract(start, plan, anchor=anchor, timing=timing, components={SEATS: "2"})
    states = [(start, c)]
    day = start
    for _ in range(draw(st.integers(0, 4))):
        day = day + timedelta(days=draw(st.integers(1, 80)))
        action = draw(st.sampled_from(["quantity", "plan", "pause", "cancel"]))
        current = states[-1][1]
        if current.lifecycle.end is not None:
            break
        if action == "quantity":
            quantity = str(draw(st.integers(0, 9)))
            current = change_quantity(current, "seats", quantity, day)
        elif action == "plan":
            target = draw(st.sampled_from(PLANS))
            if target.id in current.variants:
                continue
            current = change_plan(current, target, day)
        elif action == "pause":
            length = draw(st.integers(1, 60))
            try:
                lifecycle = current.lifecycle.paused(day, day + timedelta(days=length))
            except Exception:  # a pause the lifecycle refuses (overlap): skip it
                continue
            current = replace(current, lifecycle=lifecycle)
        else:
            kind = draw(st.sampled_from([CancellationKind.IMMEDIATE, CancellationKind.ORDINARY]))
            current = replace(current, lifecycle=current.lifecycle.cancelled(kind, day))
        states.append((day, current))
    return states, day + timedelta(days=400)


def _state_on(states: list[tuple[date, ContractBilling]], day: date) -> ContractBilling:
    return [c for since, c in states if since <= day][-1]


@settings(max_examples=60, deadline=None)
@given(histories(), st.integers(1, 40))
def test_billed_equals_expected_whatever_the_run_days(history, step: int) -> None:  # type: ignore[no-untyped-def]
    states, last = history
    books = Books()
    day = states[0][0]
    while day <= last:
        books.run(_state_on(states, day), day)
        day += timedelta(days=step)
    final = states[-1][1]
    books.run(final, last)
    assert books.run(final, last) == []  # idempotent
    billed = {b.key: b.amount for b in books.billed()}
    expected = {line.key: line.amount for line in expected_lines(final, last).lines}
    for key, amount in expected.items():
        assert billed.get(key, 0) == amount, key
    for key, amount in billed.items():
        assert amount == expected.get(key, 0), key


@settings(max_examples=60, deadline=None)
@given(histories())
def test_amounts_never_exceed_the_full_periods(history) -> None:  # type: ignore[no-untyped-def]
    states, last = history
    lines = expected_lines(states[-1][1], last).lines
    assert all(line.amount >= 0 for line in lines)
    for line in lines:
        if line.key.kind.value == "fee":
            full = {"m": 1999, "q": 5400, "y": 19900}[line.key.ref_id]
            assert line.amount <= full
