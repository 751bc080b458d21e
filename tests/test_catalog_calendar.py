"""Billing-period calendar arithmetic: anchors, month-end clamping, tiling."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import (
    add,
    first_boundary_on_or_after,
    next_period_start,
    period_at,
    period_containing,
    schedule_anchor,
    shift,
)
from turnus.domain.catalog.model import Interval, IntervalUnit

MONTH = Interval(IntervalUnit.MONTH)
QUARTER = Interval(IntervalUnit.MONTH, 3)
YEAR = Interval(IntervalUnit.YEAR)
WEEK = Interval(IntervalUnit.WEEK)


def boundaries(anchor: date, interval: Interval, count: int) -> list[date]:
    return [shift(anchor, interval, k) for k in range(count)]


def test_anchor_31_clamps_without_drifting() -> None:
    assert boundaries(date(2026, 1, 31), MONTH, 5) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert boundaries(date(2028, 1, 31), MONTH, 3) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]


@pytest.mark.parametrize(("day", "february"), [(30, 28), (29, 28), (28, 28)])
def test_anchor_days_through_february(day: int, february: int) -> None:
    anchor = date(2026, 1, day)
    assert shift(anchor, MONTH, 1) == date(2026, 2, february)
    assert shift(anchor, MONTH, 2) == date(2026, 3, day)


def test_yearly_anchor_on_february_29() -> None:
    anchor = date(2024, 2, 29)
    assert boundaries(anchor, YEAR, 5) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    # 2024-02-29 .. 2025-02-28 is 365 days; 2027-02-28 .. 2028-02-29 is 366
    assert period_at(anchor, YEAR, 0).days == 365
    assert period_at(anchor, YEAR, 3).days == 366


def test_weekly_and_quarterly_schedules() -> None:
    assert boundaries(date(2026, 11, 2), Interval(IntervalUnit.WEEK, 2), 3) == [
        date(2026, 11, 2),
        date(2026, 11, 16),
        date(2026, 11, 30),
    ]
    assert boundaries(date(2026, 11, 30), QUARTER, 3) == [
        date(2026, 11, 30),
        date(2027, 2, 28),
        date(2027, 5, 30),
    ]


def test_period_containing_and_next_start() -> None:
    anchor = date(2026, 1, 31)
    period = period_containing(anchor, MONTH, date(2026, 3, 15))
    assert (period.start, period.end, period.index, period.days) == (
        date(2026, 2, 28),
        date(2026, 3, 31),
        1,
        31,
    )
    assert date(2026, 3, 15) in period and date(2026, 3, 31) not in period
    assert next_period_start(anchor, MONTH, date(2026, 3, 31)) == date(2026, 4, 30)
    assert first_boundary_on_or_after(anchor, MONTH, date(2026, 3, 31)) == date(2026, 3, 31)
    assert first_boundary_on_or_after(anchor, MONTH, date(2026, 4, 1)) == date(2026, 4, 30)
    before = period_containing(anchor, MONTH, date(2025, 12, 5))
    assert (before.start, before.end, before.index) == (date(2025, 11, 30), date(2025, 12, 31), -2)


def test_schedule_anchor_finds_a_month_carrying_the_day() -> None:
    assert schedule_anchor(date(2026, 2, 10), MONTH, 31) == date(2026, 1, 31)
    assert schedule_anchor(date(2026, 4, 10), MONTH, 31) == date(2026, 3, 31)
    assert schedule_anchor(date(2026, 5, 31), MONTH, 31) == date(2026, 5, 31)
    assert schedule_anchor(date(2026, 5, 10), MONTH, 1) == date(2026, 5, 1)
    assert schedule_anchor(date(2026, 3, 1), YEAR, 29) == date(2025, 3, 29)
    assert schedule_anchor(date(2026, 5, 10), WEEK, 3) == date(2026, 5, 10)
    assert schedule_anchor(date(2026, 5, 10), MONTH) == date(2026, 5, 10)
    # every 12 months in February on day 30: anchored on a leap day, clamping to Feb 28/29
    february = schedule_anchor(date(2026, 2, 1), Interval(IntervalUnit.MONTH, 12), 30)
    assert february == date(2024, 2, 29)
    assert shift(february, Interval(IntervalUnit.MONTH, 12), 4) == date(2028, 2, 29)
    with pytest.raises(ValueError):
        schedule_anchor(date(2026, 5, 10), MONTH, 32)


def test_add_clamps_month_ends() -> None:
    assert add(date(2026, 1, 31), MONTH) == date(2026, 2, 28)
    assert add(date(2024, 2, 29), YEAR) == date(2025, 2, 28)
    assert add(date(2026, 12, 28), WEEK) == date(2027, 1, 4)


units = st.sampled_from(list(IntervalUnit))
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=400, deadline=None)
@given(dates, units, st.integers(1, 12), st.integers(-30, 30), st.integers(0, 4000))
def test_periods_tile_the_timeline(
    anchor: date, unit: IntervalUnit, count: int, k: int, offset: int
) -> None:
    interval = Interval(unit, count)
    period = period_at(anchor, interval, k)
    following = period_at(anchor, interval, k + 1)
    assert period.end == following.start
    assert period.start < period.end
    day = anchor + timedelta(days=offset - 2000)
    containing = period_containing(anchor, interval, day)
    assert day in containing
    assert containing == period_at(anchor, interval, containing.index)


@settings(max_examples=400, deadline=None)
@given(dates, st.integers(1, 31), st.integers(1, 12), st.integers(0, 60))
def test_monthly_boundaries_fall_on_the_anchor_day(
    start: date, day: int, count: int, k: int
) -> None:
    interval = Interval(IntervalUnit.MONTH, count)
    anchor = schedule_anchor(start, interval, day)
    assert anchor <= start
    # the anchor carries the day, unless no month of the schedule ever has it (every 12
    # months in April, day 31): then the longest that month ever gets (Apr 30, Feb 29)
    longest = (
        29
        if anchor.month == 2
        else (date(2001, anchor.month % 12 + 1, 1) - timedelta(days=1)).day
        if anchor.month != 12
        else 31
    )
    assert anchor.day == day or (count % 12 == 0 and anchor.day == longest < day)
    boundary = shift(anchor, interval, k)
    month_length = (
        date(boundary.year + boundary.month // 12, boundary.month % 12 + 1, 1) - timedelta(days=1)
    ).day
    assert boundary.day == min(day, month_length)
    around = period_containing(anchor, interval, start)
    for edge in (around.start, around.end):
        length = (
            date(edge.year + edge.month // 12, edge.month % 12 + 1, 1) - timedelta(days=1)
        ).day
        assert edge.day == min(day, length)


@given(dates)
def test_month_and_year_lengths(start: date) -> None:
    assert 28 <= period_containing(start, MONTH, start).days <= 31
    assert period_containing(start, YEAR, start).days in (365, 366)
