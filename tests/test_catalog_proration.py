"""Day-based proration: round_half_up(round(days / days_in_period, 9) x amount)."""

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import Period
from turnus.domain.catalog.proration import prorate, prorate_span, proration_factor


def test_examples_computed_by_hand() -> None:
    # 20/31 = 0.645161290(3) -> 0.645161290; x 24995 = 16125.80644... -> 16126
    assert proration_factor(20, 31) == Decimal("0.645161290")
    assert prorate(24995, 20, 31) == 16126
    # 335/365 = 0.917808219(1) -> 0.917808219; x 239995 = 220269.38952... -> 220269
    assert prorate(239995, 335, 365) == 220269
    # 1/366 = 0.002732240(4) -> 0.002732240; x 36600 = 99.999984 -> 100
    assert prorate(36600, 1, 366) == 100
    # 2/3 = 0.666666667 (half-up at the 9th place); x 3 = 2.000000001 -> 2
    assert proration_factor(2, 3) == Decimal("0.666666667")


def test_edges() -> None:
    assert prorate(24995, 0, 31) == 0
    assert prorate(24995, 31, 31) == 24995
    assert prorate(10**15, 15, 30) == 5 * 10**14
    assert prorate(Decimal("1490.5"), 30, 30) == 1491  # a fractional full amount rounds half-up
    assert prorate(1, 1, 2) == 1  # 0.5 rounds up
    assert prorate(-24995, 20, 31) == -16126  # credits round symmetrically (half away from 0)


def test_invalid_input() -> None:
    for days, length in ((32, 31), (-1, 31), (1, 0)):
        with pytest.raises(ValueError):
            prorate(100, days, length)
    with pytest.raises(ValueError):
        prorate_span(
            100,
            Period(date(2026, 1, 1), date(2026, 2, 1), 0),
            date(2025, 12, 31),
            date(2026, 1, 10),
        )


def test_span() -> None:
    february = Period(date(2028, 2, 1), date(2028, 3, 1), 0)  # 29 days, leap year
    # 10/29 = 0.344827586(2) -> 0.344827586; x 24995 = 8618.96... -> 8619
    assert prorate_span(24995, february, date(2028, 2, 20), date(2028, 3, 1)) == 8619


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10**12), st.integers(28, 366), st.data())
def test_consecutive_parts_add_up_within_one_unit_per_split(
    amount: int, length: int, data: st.DataObject
) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(1, length - 1), max_size=8)))
    edges = [0, *cuts, length]
    parts = [prorate(amount, b - a, length) for a, b in pairwise(edges)]
    # Each part differs from its exact share d/L x A by at most 0.5 (half-up rounding) plus
    # 5e-10 x A (the factor rounded to 9 places). For A < 1e9 that is below one unit per part,
    # so the integer difference of the n parts from A is at most n - 1: one unit per split.
    splits = len(parts) - 1
    bound = Decimal(len(parts)) * (Decimal("0.5") + Decimal(amount) * Decimal("5e-10"))
    assert abs(sum(parts) - amount) <= bound
    if amount < 10**9:
        assert abs(sum(parts) - amount) <= splits


@given(st.integers(0, 10**9), st.integers(28, 366), st.data())
def test_monotonic_in_days(amount: int, length: int, data: st.DataObject) -> None:
    a = data.draw(st.integers(0, length))
    b = data.draw(st.integers(a, length))
    assert prorate(amount, a, length) <= prorate(amount, b, length)
