"""Day-based proration: ``round_half_up(round(days / days_in_period, 9) x full_amount)``.

The expected amounts are worked out by hand in the comments (factor to 9 places, half-up;
then the product, half-up to a whole minor unit). The property tests compare against an
independent reference written with integers and ``fractions.Fraction`` (no ``Decimal`` and no
decimal context involved).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, getcontext, localcontext
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import Period, period_containing
from turnus.domain.catalog.model import Interval, IntervalUnit
from turnus.domain.catalog.proration import prorate, prorate_span, proration_factor


def half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero."""
    magnitude = abs(value)
    rounded = (magnitude.numerator * 2 + magnitude.denominator) // (2 * magnitude.denominator)
    return rounded if value >= 0 else -rounded


def reference(full_amount: Decimal | int, days: int, days_in_period: int) -> int:
    """The specified formula, computed exactly with fractions."""
    factor = Fraction(half_up(Fraction(days * 10**9, days_in_period)), 10**9)
    return half_up(factor * Fraction(full_amount))


# --- the factor ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "days_in_period", "factor"),
    [
        (20, 31, "0.645161290"),  # 0.645161290|32... -> down
        (335, 365, "0.917808219"),  # 0.917808219|17... -> down
        (100, 366, "0.273224044"),  # 0.273224043|71... -> up
        (100, 365, "0.273972603"),  # 0.273972602|73... -> up
        (1, 3, "0.333333333"),  # 0.333333333|33... -> down
        (2, 3, "0.666666667"),  # 0.666666666|66... -> up
        (1, 1024, "0.000976563"),  # 0.000976562|5 exactly -> half-up (half-even: ...562)
        (1, 2048, "0.000488281"),  # 0.000488281|25 -> down
        (183, 366, "0.5"),
        (0, 31, "0"),
        (31, 31, "1"),
    ],
)
def test_factor_is_rounded_half_up_to_nine_places(
    days: int, days_in_period: int, factor: str
) -> None:
    result = proration_factor(days, days_in_period)
    assert result == Decimal(factor)
    assert result.as_tuple().exponent == -9


# --- amounts -------------------------------------------------------------------------------


def test_part_of_a_month() -> None:
    # 20 of 31 days: 0.645161290 x 24995 = 16125.80644355 -> 16126
    assert prorate(24995, 20, 31) == 16126
    # 10 of 29 days (February 2028): 0.344827586 x 24995 = 8618.96551207 -> 8619
    assert prorate(24995, 10, 29) == 8619
    # 11 of 30 days: 0.366666667 x 999 = 366.300000333 -> 366
    assert prorate(999, 11, 30) == 366


def test_part_of_a_year() -> None:
    # 335 of 365 days: 0.917808219 x 239995 = 220269.383518905 -> 220269
    assert prorate(239995, 335, 365) == 220269
    # 100 days of a normal year: 0.273972603 x 239995 = 65752.054856985 -> 65752
    assert prorate(239995, 100, 365) == 65752
    # 100 days of a leap year (366): 0.273224044 x 239995 = 65572.40443978 -> 65572
    assert prorate(239995, 100, 366) == 65572
    # 1 of 366 days: 0.002732240 x 36600 = 99.999984 -> 100
    assert prorate(36600, 1, 366) == 100


def test_half_of_a_leap_year_of_an_odd_amount_rounds_up() -> None:
    # 183 of 366 days is exactly 0.5: 239995 / 2 = 119997.5 -> 119998
    assert prorate(239995, 183, 366) == 119998
    # 183 of 365 days: 0.501369863 x 239995 = 120326.260270685 -> 120326
    assert prorate(239995, 183, 365) == 120326


def test_no_days_cost_nothing() -> None:
    for amount in (0, 1, 24995, 10**15, Decimal("1490.5"), -24995):
        assert prorate(amount, 0, 31) == 0
        assert prorate(amount, 0, 1) == 0


def test_the_full_period_is_the_full_amount_exactly() -> None:
    assert prorate(24995, 31, 31) == 24995
    assert prorate(24995, 28, 28) == 24995
    assert prorate(239995, 365, 365) == 239995
    assert prorate(239995, 366, 366) == 239995
    assert prorate(10**15 + 1, 29, 29) == 10**15 + 1
    assert prorate(1, 1, 1) == 1
    assert prorate(-24995, 30, 30) == -24995
    # a fractional full amount (exact pricing result) is rounded half-up once
    assert prorate(Decimal("1490.5"), 30, 30) == 1491
    assert prorate(Decimal("1490.4999"), 30, 30) == 1490


def test_very_large_amounts_are_exact() -> None:
    # 0.645161290 x 10^15 = 645161290000000 (the 9-place factor, not 20/31 itself)
    assert prorate(10**15, 20, 31) == 645_161_290_000_000
    # 0.645161290 x (10^15 + 1) = 645161290000000.645161290 -> ...001
    assert prorate(10**15 + 1, 20, 31) == 645_161_290_000_001
    # 0.5 x (10^15 + 1) = 500000000000000.5 -> ...001
    assert prorate(10**15 + 1, 15, 30) == 500_000_000_000_001
    assert prorate(10**15, 15, 30) == 500_000_000_000_000
    # 0.917808219 x 10^15 = 917808219000000
    assert prorate(10**15, 335, 365) == 917_808_219_000_000
    # the factor is rounded before multiplying: 0.333333333 x 3 000 000 000 = 999 999 999
    # (the exact third would be 1 000 000 000), 0.666666667 x 3 000 000 000 = 2 000 000 001
    assert prorate(3_000_000_000, 1, 3) == 999_999_999
    assert prorate(3_000_000_000, 2, 3) == 2_000_000_001
    # a half-up factor: 0.000976563 x 2 000 000 000 = 1 953 126 (exact share 1 953 125)
    assert prorate(2_000_000_000, 1, 1024) == 1_953_126


@pytest.mark.parametrize(
    ("amount", "days", "days_in_period", "expected"),
    [
        (24995, 15, 30, 12498),  # 0.5 x 24995 = 12497.5 -> 12498
        (999, 14, 28, 500),  # 0.5 x 999 = 499.5 -> 500
        (5, 1, 2, 3),  # 2.5 -> 3 (banker's rounding would give 2)
        (1, 1, 2, 1),  # 0.5 -> 1
        (3, 1, 2, 2),  # 1.5 -> 2
        (25, 1, 10, 3),  # 0.1 x 25 = 2.5 -> 3
        (25, 3, 10, 8),  # 0.3 x 25 = 7.5 -> 8
        (24995, 29, 30, 24162),  # 0.966666667 x 24995 = 24161.833341665 -> 24162
        (-24995, 15, 30, -12498),  # credits round half away from zero
        (-5, 1, 2, -3),
        (-24995, 20, 31, -16126),
        (Decimal("2.5"), 1, 1, 3),
        (Decimal("4.9"), 1, 2, 2),  # 2.45 -> 2
        (Decimal("4.99"), 1, 2, 2),  # 2.495 -> 2
        (Decimal("5.0"), 1, 2, 3),  # 2.5 -> 3
    ],
)
def test_minor_units_round_half_up(
    amount: Decimal | int, days: int, days_in_period: int, expected: int
) -> None:
    assert prorate(amount, days, days_in_period) == expected


def test_long_decimal_amounts_are_not_rounded_twice() -> None:
    # An exact pricing result can carry many decimals. 0.5 x 24994.99999999999999999999999999
    # = 12497.499999999999999999999999995 exactly, which rounds to 12497. Rounding the product
    # to the default 28 digits first would make it 12497.5 and then 12498.
    assert prorate(Decimal("24994.99999999999999999999999999"), 15, 30) == 12497
    # 0.5 x 0.99999999999999999999999999999 (29 nines) is just below a half
    assert prorate(Decimal("0.99999999999999999999999999999"), 1, 2) == 0


def test_the_callers_decimal_context_does_not_matter() -> None:
    before = getcontext().prec
    with localcontext() as context:
        context.prec = 6
        context.rounding = ROUND_DOWN
        assert proration_factor(20, 31) == Decimal("0.645161290")
        assert prorate(24995, 20, 31) == 16126
        assert prorate(10**15 + 1, 20, 31) == 645_161_290_000_001
        assert prorate(5, 1, 2) == 3
        assert context.prec == 6  # and it is left as it was
    assert getcontext().prec == before


def test_invalid_input_raises() -> None:
    for days, days_in_period in (
        (32, 31),  # more days than the period has
        (367, 366),
        (-1, 31),
        (1, 0),  # a period has at least one day
        (0, 0),
        (-3, -3),  # even "the whole period" of an impossible period
        (1, -5),
    ):
        with pytest.raises(ValueError):
            prorate(100, days, days_in_period)
        with pytest.raises(ValueError):
            proration_factor(days, days_in_period)
    for amount in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(ValueError):
            prorate(amount, 1, 2)


# --- spans of a period ---------------------------------------------------------------------


def test_prorate_a_span_of_a_period() -> None:
    january = Period(date(2026, 1, 1), date(2026, 2, 1), 0)  # 31 days
    # an upgrade on Jan 12 leaves Jan 12 .. Feb 1: 20 of 31 days -> 16126 (see above)
    assert prorate_span(24995, january, date(2026, 1, 12), date(2026, 2, 1)) == 16126
    february = Period(date(2028, 2, 1), date(2028, 3, 1), 0)  # 29 days, leap year
    assert prorate_span(24995, february, date(2028, 2, 20), date(2028, 3, 1)) == 8619
    # Jul 2 .. Jan 1 is 30 + 31 + 30 + 31 + 30 + 31 = 183 days
    leap_year = Period(date(2028, 1, 1), date(2029, 1, 1), 0)
    assert prorate_span(239995, leap_year, date(2028, 7, 2), date(2029, 1, 1)) == 119998
    common_year = Period(date(2027, 1, 1), date(2028, 1, 1), 0)
    assert prorate_span(239995, common_year, date(2027, 7, 2), date(2028, 1, 1)) == 120326
    # empty and whole spans
    assert prorate_span(24995, january, date(2026, 1, 12), date(2026, 1, 12)) == 0
    assert prorate_span(24995, january, january.start, january.end) == 24995


def test_prorate_a_span_outside_the_period_raises() -> None:
    january = Period(date(2026, 1, 1), date(2026, 2, 1), 0)
    for start, end in (
        (date(2025, 12, 31), date(2026, 1, 10)),  # starts before
        (date(2026, 1, 10), date(2026, 2, 2)),  # ends after
        (date(2026, 1, 10), date(2026, 1, 9)),  # ends before it starts
    ):
        with pytest.raises(ValueError):
            prorate_span(100, january, start, end)


# --- properties ----------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, database=None)

period_lengths = st.one_of(st.integers(28, 31), st.integers(365, 366), st.integers(1, 400))
minor_units = st.integers(-(10**15), 10**15)
exact_amounts = st.decimals(
    min_value=Decimal(-(10**12)), max_value=Decimal(10**12), places=12, allow_nan=False
)
amounts = st.one_of(minor_units, exact_amounts)


@PROPERTY
@given(amounts, period_lengths, st.data())
def test_prorate_is_the_specified_formula(
    amount: Decimal | int, days_in_period: int, data: st.DataObject
) -> None:
    days = data.draw(st.integers(0, days_in_period))
    assert prorate(amount, days, days_in_period) == reference(amount, days, days_in_period)


@PROPERTY
@given(st.integers(0, 10**15), period_lengths, st.data())
def test_shares_lie_between_nothing_and_everything(
    amount: int, days_in_period: int, data: st.DataObject
) -> None:
    days = data.draw(st.integers(0, days_in_period))
    share = prorate(amount, days, days_in_period)
    assert 0 <= share <= amount
    assert prorate(amount, days_in_period, days_in_period) == amount
    assert prorate(amount, 0, days_in_period) == 0
    assert prorate(-amount, days, days_in_period) == -share  # credits mirror charges


@PROPERTY
@given(amounts, period_lengths, st.data())
def test_prorating_is_monotonic_in_days(
    amount: Decimal | int, days_in_period: int, data: st.DataObject
) -> None:
    fewer = data.draw(st.integers(0, days_in_period))
    more = data.draw(st.integers(fewer, days_in_period))
    if amount >= 0:
        assert prorate(amount, fewer, days_in_period) <= prorate(amount, more, days_in_period)
    else:
        assert prorate(amount, fewer, days_in_period) >= prorate(amount, more, days_in_period)


def split_bound(parts: int, amount: int) -> int:
    """How far ``parts`` prorated consecutive sub-periods can add up from the full amount.

    Part i of d_i days (sum d_i = L) is p_i = half_up(F_i x A) with F_i = d_i / L + g_i, where
    the 9-place factor rounding gives |g_i| <= 5e-10, and the final rounding gives
    |p_i - F_i x A| <= 1/2. As the exact shares d_i / L x A add up to A:

        |sum p_i - A| <= n x 1/2 + n x 5e-10 x |A| = n x (1 + |A| / 10^9) / 2

    and the left side is an integer, so it is at most the floor of the right side. For
    |A| < 10^9 the right side is below n, so the parts are off by at most n - 1: one minor
    unit per split. Above that the 9-place factor dominates (see
    ``test_large_amounts_split_into_thirds``)."""
    return (parts * (10**9 + abs(amount))) // (2 * 10**9)


def split_points(data: st.DataObject, days_in_period: int) -> list[int]:
    """0, up to 12 distinct cut days inside the period in order, and its length."""
    cuts: set[int] = set()
    if days_in_period > 1:
        cuts = data.draw(st.sets(st.integers(1, days_in_period - 1), max_size=12))
    return [0, *sorted(cuts), days_in_period]


@PROPERTY
@given(minor_units, period_lengths, st.data())
def test_consecutive_parts_add_up_to_the_full_amount(
    amount: int, days_in_period: int, data: st.DataObject
) -> None:
    edges = split_points(data, days_in_period)
    parts = [prorate(amount, end - start, days_in_period) for start, end in pairwise(edges)]
    full = prorate(amount, days_in_period, days_in_period)
    assert full == amount
    assert abs(sum(parts) - full) <= split_bound(len(parts), amount)


@PROPERTY
@given(st.integers(-(10**9) + 1, 10**9 - 1), period_lengths, st.data())
def test_parts_are_off_by_at_most_one_unit_per_split(
    amount: int, days_in_period: int, data: st.DataObject
) -> None:
    edges = split_points(data, days_in_period)
    parts = [prorate(amount, end - start, days_in_period) for start, end in pairwise(edges)]
    splits = len(parts) - 1
    assert abs(sum(parts) - amount) <= splits


@PROPERTY
@given(st.integers(0, 10**9 - 1), period_lengths)
def test_prorating_every_day_alone_stays_within_the_bound(amount: int, days_in_period: int) -> None:
    daily = prorate(amount, 1, days_in_period)
    total = days_in_period * daily
    assert abs(total - amount) <= min(days_in_period - 1, split_bound(days_in_period, amount))


def test_split_bound_examples() -> None:
    # two halves of 1 unit: 0.5 -> 1 each, 2 in all: one unit per split is reached
    assert prorate(1, 1, 2) + prorate(1, 1, 2) == 2
    assert split_bound(2, 1) == 1
    # three thirds of 100: 0.333333333 x 100 = 33.3333333 -> 33 each, 99 in all
    assert 3 * prorate(100, 1, 3) == 99
    assert split_bound(3, 100) == 1


def test_large_amounts_split_into_thirds() -> None:
    # 0.333333333 x 10^12 = 333 333 333 000 per third: 999 999 999 000 in all, 1000 short of
    # 10^12 - the factor's 9 places, not the rounding of the parts. The bound allows
    # floor(3 x (10^9 + 10^12) / (2 x 10^9)) = floor(1501.5) = 1501.
    third = prorate(10**12, 1, 3)
    assert third == 333_333_333_000
    assert 10**12 - 3 * third == 1000
    assert split_bound(3, 10**12) == 1501


@PROPERTY
@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(list(IntervalUnit)),
    st.integers(1, 12),
    st.integers(0, 10**12),
    st.data(),
)
def test_prorating_a_span_of_a_real_period(
    anchor: date, unit: IntervalUnit, count: int, amount: int, data: st.DataObject
) -> None:
    interval = Interval(unit, count)
    day = anchor + timedelta(days=data.draw(st.integers(-1000, 1000)))
    period = period_containing(anchor, interval, day)
    rest = prorate_span(amount, period, day, period.end)
    used = prorate_span(amount, period, period.start, day)
    assert rest == reference(amount, (period.end - day).days, period.days)
    assert used == reference(amount, (day - period.start).days, period.days)
    assert prorate_span(amount, period, period.start, period.end) == amount
    assert abs(rest + used - amount) <= split_bound(2, amount)


@PROPERTY
@given(st.integers(-400, 400), st.integers(-400, 400))
def test_invalid_days_raise(days: int, days_in_period: int) -> None:
    if days_in_period >= 1 and 0 <= days <= days_in_period:
        assert prorate(100, days, days_in_period) == reference(100, days, days_in_period)
    else:
        with pytest.raises(ValueError):
            prorate(100, days, days_in_period)
