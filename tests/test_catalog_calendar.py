"""Billing-period calendar arithmetic: periods, anchors, month-end clamping, tiling.

Every expected date below is worked out by hand from the rules in the module docstring:
boundary ``k`` is ``anchor + k x interval``, computed from the anchor (never step by step),
with the day clamped to the length of the target month; periods are ``[start, end)``.
Month lengths in the property tests come from the standard library (``calendar.monthrange``),
independent of the code under test.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import (
    Period,
    add,
    days_between,
    first_boundary_on_or_after,
    next_period_start,
    period_at,
    period_containing,
    schedule_anchor,
    shift,
)
from turnus.domain.catalog.model import Interval, IntervalUnit

DAY = Interval(IntervalUnit.DAY)
WEEK = Interval(IntervalUnit.WEEK)
TWO_WEEKS = Interval(IntervalUnit.WEEK, 2)
MONTH = Interval(IntervalUnit.MONTH)
QUARTER = Interval(IntervalUnit.MONTH, 3)
HALF_YEAR = Interval(IntervalUnit.MONTH, 6)
TWELVE_MONTHS = Interval(IntervalUnit.MONTH, 12)
YEAR = Interval(IntervalUnit.YEAR)


def boundaries(anchor: date, interval: Interval, first: int, last: int) -> list[date]:
    """Boundaries ``first`` to ``last`` (inclusive) of the schedule."""
    return [shift(anchor, interval, k) for k in range(first, last + 1)]


def month_length(year: int, month: int) -> int:
    return stdlib_calendar.monthrange(year, month)[1]


def clamped(year: int, month: int, anchor_day: int) -> date:
    """The date with ``anchor_day`` in that month, clamped to the month's last day."""
    return date(year, month, min(anchor_day, month_length(year, month)))


def first_anchor_day_on_or_after(day: date, anchor_day: int) -> date:
    """The first date on or after ``day`` whose day is ``min(anchor_day, month length)``."""
    candidate = clamped(day.year, day.month, anchor_day)
    if candidate >= day:
        return candidate
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return clamped(year, month, anchor_day)


# --- periods and boundaries ----------------------------------------------------------------


def test_period_containing_a_date_in_a_monthly_schedule() -> None:
    anchor = date(2026, 1, 15)
    period = period_containing(anchor, MONTH, date(2026, 3, 20))
    assert period == Period(date(2026, 3, 15), date(2026, 4, 15), 2)
    assert period.days == 31  # Mar 15 .. Apr 15
    # a boundary belongs to the period it starts, the day before to the previous period
    assert period_containing(anchor, MONTH, date(2026, 3, 15)) == period
    assert period_containing(anchor, MONTH, date(2026, 3, 14)) == Period(
        date(2026, 2, 15), date(2026, 3, 15), 1
    )
    assert period_containing(anchor, MONTH, date(2026, 1, 15)).index == 0


def test_periods_are_half_open() -> None:
    period = Period(date(2026, 2, 1), date(2026, 3, 1), 0)
    assert period.days == 28
    assert date(2026, 2, 1) in period
    assert date(2026, 2, 28) in period
    assert date(2026, 3, 1) not in period
    assert date(2026, 1, 31) not in period
    assert "2026-02-10" not in period  # only dates are in a period


def test_next_period_start_is_strictly_after_the_day() -> None:
    anchor = date(2026, 1, 31)
    # Feb 28 .. Mar 31 is period 1; Mar 31 is itself a boundary
    assert next_period_start(anchor, MONTH, date(2026, 3, 15)) == date(2026, 3, 31)
    assert next_period_start(anchor, MONTH, date(2026, 3, 30)) == date(2026, 3, 31)
    assert next_period_start(anchor, MONTH, date(2026, 3, 31)) == date(2026, 4, 30)
    assert next_period_start(anchor, MONTH, date(2026, 2, 28)) == date(2026, 3, 31)
    assert next_period_start(date(2026, 11, 2), WEEK, date(2026, 11, 2)) == date(2026, 11, 9)
    assert next_period_start(date(2026, 11, 2), WEEK, date(2026, 11, 8)) == date(2026, 11, 9)


def test_first_boundary_on_or_after() -> None:
    anchor = date(2026, 1, 31)
    assert first_boundary_on_or_after(anchor, MONTH, date(2026, 3, 31)) == date(2026, 3, 31)
    assert first_boundary_on_or_after(anchor, MONTH, date(2026, 4, 1)) == date(2026, 4, 30)
    assert first_boundary_on_or_after(anchor, MONTH, date(2026, 2, 28)) == date(2026, 2, 28)
    assert first_boundary_on_or_after(anchor, MONTH, date(2026, 2, 27)) == date(2026, 2, 28)


def test_add_clamps_month_ends_and_shift_does_not_drift() -> None:
    assert add(date(2026, 1, 31), MONTH) == date(2026, 2, 28)
    assert add(date(2028, 1, 31), MONTH) == date(2028, 2, 29)
    assert add(date(2024, 2, 29), YEAR) == date(2025, 2, 28)
    assert add(date(2026, 12, 28), WEEK) == date(2027, 1, 4)
    assert add(date(2026, 12, 31), DAY) == date(2027, 1, 1)
    # stepping month by month loses the 31st for good; the schedule never steps
    assert add(add(date(2026, 1, 31), MONTH), MONTH) == date(2026, 3, 28)
    assert shift(date(2026, 1, 31), MONTH, 2) == date(2026, 3, 31)


def test_days_between() -> None:
    assert days_between(date(2026, 1, 31), date(2026, 2, 28)) == 28
    assert days_between(date(2028, 1, 1), date(2029, 1, 1)) == 366
    assert days_between(date(2026, 3, 1), date(2026, 2, 1)) == -28


# --- month-end clamping --------------------------------------------------------------------


def test_anchor_31_clamps_to_each_month_end_without_drifting() -> None:
    assert boundaries(date(2026, 1, 31), MONTH, 0, 12) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
    ]


def test_anchor_31_in_a_leap_year_gives_february_29() -> None:
    assert boundaries(date(2028, 1, 31), MONTH, 0, 4) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
    ]


@pytest.mark.parametrize(
    ("anchor_day", "year", "february", "march"),
    [
        (31, 2026, date(2026, 2, 28), date(2026, 3, 31)),
        (31, 2028, date(2028, 2, 29), date(2028, 3, 31)),
        (30, 2026, date(2026, 2, 28), date(2026, 3, 30)),
        (30, 2028, date(2028, 2, 29), date(2028, 3, 30)),
        (29, 2026, date(2026, 2, 28), date(2026, 3, 29)),
        (29, 2028, date(2028, 2, 29), date(2028, 3, 29)),
        (28, 2026, date(2026, 2, 28), date(2026, 3, 28)),
        (28, 2028, date(2028, 2, 28), date(2028, 3, 28)),
        (31, 2100, date(2100, 2, 28), date(2100, 3, 31)),  # 2100 is no leap year
        (31, 2000, date(2000, 2, 29), date(2000, 3, 31)),  # 2000 is one
    ],
)
def test_anchor_days_through_february(
    anchor_day: int, year: int, february: date, march: date
) -> None:
    anchor = date(year, 1, anchor_day)
    assert shift(anchor, MONTH, 1) == february
    assert shift(anchor, MONTH, 2) == march
    assert period_at(anchor, MONTH, 1) == Period(february, march, 1)


def test_monthly_period_lengths() -> None:
    # anchor on the 1st: the period is the calendar month
    lengths_2026 = [period_at(date(2026, 1, 1), MONTH, k).days for k in range(12)]
    assert lengths_2026 == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert period_at(date(2028, 1, 1), MONTH, 1).days == 29
    # anchor 31: Jan 31 -> Feb 28 is 28 days, Feb 28 -> Mar 31 is 31, Mar 31 -> Apr 30 is 30
    lengths_31 = [period_at(date(2026, 1, 31), MONTH, k).days for k in range(4)]
    assert lengths_31 == [28, 31, 30, 31]
    # twelve monthly periods always make up the year
    assert sum(period_at(date(2026, 1, 31), MONTH, k).days for k in range(12)) == 365
    assert sum(period_at(date(2028, 1, 31), MONTH, k).days for k in range(12)) == 366


# --- weeks, days, every N months, years ----------------------------------------------------


def test_weekly_schedule() -> None:
    anchor = date(2026, 12, 14)  # a Monday
    assert boundaries(anchor, WEEK, 0, 3) == [
        date(2026, 12, 14),
        date(2026, 12, 21),
        date(2026, 12, 28),
        date(2027, 1, 4),
    ]
    assert period_at(anchor, WEEK, 5).days == 7
    assert all(b.weekday() == 0 for b in boundaries(anchor, WEEK, -10, 10))


def test_every_two_weeks() -> None:
    anchor = date(2026, 11, 2)
    assert boundaries(anchor, TWO_WEEKS, 0, 5) == [
        date(2026, 11, 2),
        date(2026, 11, 16),
        date(2026, 11, 30),
        date(2026, 12, 14),
        date(2026, 12, 28),
        date(2027, 1, 11),
    ]
    assert period_containing(anchor, TWO_WEEKS, date(2026, 11, 20)) == Period(
        date(2026, 11, 16), date(2026, 11, 30), 1
    )
    assert period_at(anchor, TWO_WEEKS, 3).days == 14


def test_every_ten_days() -> None:
    anchor = date(2026, 1, 1)
    every_ten = Interval(IntervalUnit.DAY, 10)
    assert boundaries(anchor, every_ten, -1, 4) == [
        date(2025, 12, 22),
        date(2026, 1, 1),
        date(2026, 1, 11),
        date(2026, 1, 21),
        date(2026, 1, 31),
        date(2026, 2, 10),
    ]


def test_quarterly_schedule_from_a_month_end() -> None:
    anchor = date(2026, 1, 31)
    assert boundaries(anchor, QUARTER, 0, 4) == [
        date(2026, 1, 31),
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2026, 10, 31),
        date(2027, 1, 31),
    ]
    # Jan 31 -> Apr 30: 28 (to Feb 28) + 31 (to Mar 31) + 30 (to Apr 30) = 89 days
    assert period_at(anchor, QUARTER, 0).days == 89
    # Nov 30 quarterly passes February: Feb 28, then back to the 30th
    assert boundaries(date(2026, 11, 30), QUARTER, 0, 4) == [
        date(2026, 11, 30),
        date(2027, 2, 28),
        date(2027, 5, 30),
        date(2027, 8, 30),
        date(2027, 11, 30),
    ]


def test_half_yearly_schedule() -> None:
    assert boundaries(date(2026, 8, 31), HALF_YEAR, 0, 3) == [
        date(2026, 8, 31),
        date(2027, 2, 28),
        date(2027, 8, 31),
        date(2028, 2, 29),
    ]


def test_yearly_schedule_anchored_on_february_29() -> None:
    anchor = date(2024, 2, 29)
    assert boundaries(anchor, YEAR, -4, 5) == [
        date(2020, 2, 29),
        date(2021, 2, 28),
        date(2022, 2, 28),
        date(2023, 2, 28),
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
        date(2029, 2, 28),
    ]
    # Feb 29 2024 -> Feb 28 2025: 365 days; Feb 28 2027 -> Feb 29 2028: 365 + 1 = 366 days
    assert period_at(anchor, YEAR, 0).days == 365
    assert period_at(anchor, YEAR, 2).days == 365
    assert period_at(anchor, YEAR, 3).days == 366
    assert period_at(anchor, YEAR, 4).days == 365
    # the same through twelve-month intervals
    assert shift(anchor, TWELVE_MONTHS, 4) == date(2028, 2, 29)
    assert shift(anchor, TWELVE_MONTHS, 1) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("year", "days"), [(2026, 365), (2027, 365), (2028, 366), (2000, 366), (2100, 365)]
)
def test_calendar_year_lengths(year: int, days: int) -> None:
    assert period_containing(date(1990, 1, 1), YEAR, date(year, 6, 1)).days == days


def test_every_two_years() -> None:
    anchor = date(2026, 3, 1)
    assert boundaries(anchor, Interval(IntervalUnit.YEAR, 2), -1, 2) == [
        date(2024, 3, 1),
        date(2026, 3, 1),
        date(2028, 3, 1),
        date(2030, 3, 1),
    ]
    # Mar 1 2026 -> Mar 1 2028 contains Feb 29 2028: 365 + 366 = 731 days
    assert period_at(anchor, Interval(IntervalUnit.YEAR, 2), 0).days == 731


# --- before the anchor ---------------------------------------------------------------------


def test_periods_before_the_anchor_have_negative_indexes() -> None:
    anchor = date(2026, 1, 31)
    assert period_at(anchor, MONTH, -1) == Period(date(2025, 12, 31), date(2026, 1, 31), -1)
    assert period_at(anchor, MONTH, -2) == Period(date(2025, 11, 30), date(2025, 12, 31), -2)
    assert shift(anchor, MONTH, -11) == date(2025, 2, 28)
    assert shift(anchor, MONTH, -23) == date(2024, 2, 29)
    assert period_containing(anchor, MONTH, date(2025, 12, 5)) == Period(
        date(2025, 11, 30), date(2025, 12, 31), -2
    )
    assert period_containing(anchor, MONTH, date(2026, 1, 30)).index == -1
    assert period_containing(date(2026, 11, 2), WEEK, date(2026, 10, 30)) == Period(
        date(2026, 10, 26), date(2026, 11, 2), -1
    )
    assert period_containing(date(2024, 2, 29), YEAR, date(2023, 3, 1)) == Period(
        date(2023, 2, 28), date(2024, 2, 29), -1
    )
    assert next_period_start(anchor, MONTH, date(2025, 12, 31)) == date(2026, 1, 31)


# --- schedule_anchor -----------------------------------------------------------------------


def test_schedule_anchor_without_an_anchor_day_is_the_start() -> None:
    start = date(2026, 5, 10)
    for interval in (DAY, WEEK, MONTH, QUARTER, YEAR):
        assert schedule_anchor(start, interval) == start
        assert schedule_anchor(start, interval, None) == start


def test_schedule_anchor_ignores_the_anchor_day_for_days_and_weeks() -> None:
    start = date(2026, 5, 10)
    assert schedule_anchor(start, WEEK, 3) == start
    assert schedule_anchor(start, TWO_WEEKS, 31) == start
    assert schedule_anchor(start, DAY, 1) == start


@pytest.mark.parametrize("interval", [DAY, WEEK, MONTH, QUARTER, YEAR])
@pytest.mark.parametrize("anchor_day", [0, 32, -1])
def test_schedule_anchor_refuses_impossible_anchor_days(
    interval: Interval, anchor_day: int
) -> None:
    with pytest.raises(ValueError):
        schedule_anchor(date(2026, 5, 10), interval, anchor_day)


@pytest.mark.parametrize(
    ("start", "interval", "anchor_day", "anchor", "containing"),
    [
        # the start carries the anchor day: it is the anchor
        (date(2026, 5, 31), MONTH, 31, date(2026, 5, 31), (date(2026, 5, 31), date(2026, 6, 30))),
        # the first boundary on or after Feb 10 is Feb 28 (31 clamped); one month back: Jan 31
        (date(2026, 2, 10), MONTH, 31, date(2026, 1, 31), (date(2026, 1, 31), date(2026, 2, 28))),
        (date(2028, 2, 10), MONTH, 31, date(2028, 1, 31), (date(2028, 1, 31), date(2028, 2, 29))),
        # Apr 30 is the first boundary; Mar 31 one month before
        (date(2026, 4, 10), MONTH, 31, date(2026, 3, 31), (date(2026, 3, 31), date(2026, 4, 30))),
        # Feb 28 is itself a boundary for day 31 (and 30, 29): period Feb 28 .. Mar 31
        (date(2026, 2, 28), MONTH, 31, date(2026, 1, 31), (date(2026, 2, 28), date(2026, 3, 31))),
        (date(2026, 2, 28), MONTH, 30, date(2026, 1, 30), (date(2026, 2, 28), date(2026, 3, 30))),
        (date(2026, 2, 28), MONTH, 29, date(2026, 1, 29), (date(2026, 2, 28), date(2026, 3, 29))),
        (date(2028, 2, 29), MONTH, 30, date(2028, 1, 30), (date(2028, 2, 29), date(2028, 3, 30))),
        # past the anchor day in the month: the boundary is next month, the anchor this month
        (date(2026, 5, 20), MONTH, 10, date(2026, 5, 10), (date(2026, 5, 10), date(2026, 6, 10))),
        (date(2026, 5, 10), MONTH, 1, date(2026, 5, 1), (date(2026, 5, 1), date(2026, 6, 1))),
        (date(2026, 12, 20), MONTH, 5, date(2026, 12, 5), (date(2026, 12, 5), date(2027, 1, 5))),
        # quarterly, first boundary Feb 28: Nov 2025 has no 31st, so Aug 31 2025 (two back)
        (
            date(2026, 2, 10),
            QUARTER,
            31,
            date(2025, 8, 31),
            (date(2025, 11, 30), date(2026, 2, 28)),
        ),
        # yearly: first boundary Mar 29 2026, one year back
        (date(2026, 3, 1), YEAR, 29, date(2025, 3, 29), (date(2025, 3, 29), date(2026, 3, 29))),
        # yearly on the 29th in February: the last Feb 29 before (2024), then Feb 28 in 2026
        (date(2026, 2, 10), YEAR, 29, date(2024, 2, 29), (date(2025, 2, 28), date(2026, 2, 28))),
        # every 12 months in February on day 30: no February has it, the leap day stands in
        (
            date(2026, 2, 1),
            TWELVE_MONTHS,
            30,
            date(2024, 2, 29),
            (date(2025, 2, 28), date(2026, 2, 28)),
        ),
        # every 12 months in April on day 31: no April has it, April 30 stands in
        (
            date(2026, 4, 10),
            TWELVE_MONTHS,
            31,
            date(2025, 4, 30),
            (date(2025, 4, 30), date(2026, 4, 30)),
        ),
        # every 4 years from 2026 only visits non-leap years: Feb 28 is the longest they get
        (
            date(2026, 2, 10),
            Interval(IntervalUnit.YEAR, 4),
            29,
            date(2022, 2, 28),
            (date(2022, 2, 28), date(2026, 2, 28)),
        ),
    ],
)
def test_schedule_anchor_examples(
    start: date,
    interval: Interval,
    anchor_day: int,
    anchor: date,
    containing: tuple[date, date],
) -> None:
    assert schedule_anchor(start, interval, anchor_day) == anchor
    period = period_containing(anchor, interval, start)
    assert (period.start, period.end) == containing
    assert start in period


def test_schedule_anchor_keeps_the_day_after_february() -> None:
    anchor = schedule_anchor(date(2026, 2, 10), MONTH, 31)
    assert boundaries(anchor, MONTH, 0, 3) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    leap = schedule_anchor(date(2026, 2, 1), TWELVE_MONTHS, 30)
    assert boundaries(leap, TWELVE_MONTHS, 1, 4) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    yearly = schedule_anchor(date(2026, 2, 10), YEAR, 29)
    assert boundaries(yearly, YEAR, 1, 4) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


# --- properties ----------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, database=None)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
units = st.sampled_from(list(IntervalUnit))
counts = st.integers(1, 12)
anchor_days = st.integers(1, 31)
intervals = st.builds(Interval, units, counts)
monthly_or_yearly = st.builds(
    Interval, st.sampled_from([IntervalUnit.MONTH, IntervalUnit.YEAR]), counts
)
# 12 years x 60 stays well inside the range of `date` from any anchor in 1990-2100
indexes = st.integers(-60, 60)


def bounds_of_length(interval: Interval) -> tuple[int, int]:
    """The shortest and longest period of ``interval`` in days."""
    match interval.unit:
        case IntervalUnit.DAY:
            return interval.count, interval.count
        case IntervalUnit.WEEK:
            return 7 * interval.count, 7 * interval.count
        case IntervalUnit.MONTH:
            # a month-end clamp can shorten or lengthen a period by up to 3 days (Jan 31 ->
            # Feb 28 is 28 days, Feb 28 -> Mar 31 is 31), which stays within 28..31 per month
            return 28 * interval.count, 31 * interval.count
        case IntervalUnit.YEAR:
            return 365 * interval.count, 366 * interval.count
    raise AssertionError(interval)  # pragma: no cover


@PROPERTY
@given(dates, intervals, indexes)
def test_consecutive_periods_tile_the_timeline(anchor: date, interval: Interval, k: int) -> None:
    period = period_at(anchor, interval, k)
    following = period_at(anchor, interval, k + 1)
    assert period.index == k
    assert following.index == k + 1
    assert period.end == following.start  # no gap, no overlap
    assert period.start < period.end  # boundaries strictly increase
    assert period.end < following.end
    shortest, longest = bounds_of_length(interval)
    assert shortest <= period.days <= longest
    assert period.start == shift(anchor, interval, k)
    assert period_at(anchor, interval, 0).start == anchor


@PROPERTY
@given(dates, intervals, indexes, st.integers(1, 24))
def test_a_run_of_periods_covers_its_whole_span(
    anchor: date, interval: Interval, first: int, length: int
) -> None:
    run = [period_at(anchor, interval, k) for k in range(first, first + length)]
    edges = [p.start for p in run] + [run[-1].end]
    assert all(a < b for a, b in pairwise(edges))
    assert sum(p.days for p in run) == (run[-1].end - run[0].start).days
    # every day of the span lies in exactly one period of the run
    probe = run[0].start + (run[-1].end - run[0].start) // 2
    assert sum(probe in p for p in run) == 1


@PROPERTY
@given(dates, intervals, dates)
def test_period_containing_contains_the_day(anchor: date, interval: Interval, day: date) -> None:
    period = period_containing(anchor, interval, day)
    assert day in period
    assert period == period_at(anchor, interval, period.index)
    # the neighbours do not contain it: the period is unique
    assert day not in period_at(anchor, interval, period.index - 1)
    assert day not in period_at(anchor, interval, period.index + 1)
    if day >= anchor:
        assert period.index >= 0
    else:
        assert period.index < 0
    following = next_period_start(anchor, interval, day)
    assert following == period.end
    assert following > day
    on_or_after = first_boundary_on_or_after(anchor, interval, day)
    assert on_or_after >= day
    assert on_or_after == (day if day == period.start else period.end)


@PROPERTY
@given(dates, counts, anchor_days, indexes)
def test_monthly_boundaries_fall_on_the_anchor_day(
    day_in_month: date, count: int, anchor_day: int, k: int
) -> None:
    # an anchor that carries the anchor day (every month has days 1-28; Jan has 31)
    assume(anchor_day <= month_length(day_in_month.year, day_in_month.month))
    anchor = day_in_month.replace(day=anchor_day)
    interval = Interval(IntervalUnit.MONTH, count)
    boundary = shift(anchor, interval, k)
    assert boundary.day == min(anchor_day, month_length(boundary.year, boundary.month))
    months_apart = (boundary.year - anchor.year) * 12 + boundary.month - anchor.month
    assert months_apart == k * count


@PROPERTY
@given(dates, st.integers(1, 12), indexes)
def test_yearly_boundaries_stay_in_the_anchor_month(anchor: date, count: int, k: int) -> None:
    boundary = shift(anchor, Interval(IntervalUnit.YEAR, count), k)
    assert boundary.year == anchor.year + k * count
    assert boundary.month == anchor.month
    assert boundary.day == min(anchor.day, month_length(boundary.year, boundary.month))


@PROPERTY
@given(dates, monthly_or_yearly, anchor_days, st.integers(-3, 3))
def test_schedule_anchor_puts_every_boundary_on_the_anchor_day(
    start: date, interval: Interval, anchor_day: int, offset: int
) -> None:
    anchor = schedule_anchor(start, interval, anchor_day)
    assert anchor <= start
    assert anchor.day <= anchor_day
    if interval.unit is IntervalUnit.MONTH and interval.count % 12:
        # such a schedule visits a 31-day month, so the anchor carries the day itself
        assert anchor.day == anchor_day
    period = period_containing(anchor, interval, start)
    assert start in period
    for edge in (period.start, period.end):
        assert edge.day == min(anchor_day, month_length(edge.year, edge.month))
    # the schedule's first boundary on or after the start is the first anchor day after it
    assert first_boundary_on_or_after(anchor, interval, start) == first_anchor_day_on_or_after(
        start, anchor_day
    )
    # and so are the boundaries around it
    around = period_at(anchor, interval, period.index + offset)
    for edge in (around.start, around.end):
        assert edge.day == min(anchor_day, month_length(edge.year, edge.month))


@PROPERTY
@given(dates, st.builds(Interval, st.sampled_from([IntervalUnit.DAY, IntervalUnit.WEEK]), counts))
def test_schedule_anchor_of_day_and_week_schedules_is_the_start(
    start: date, interval: Interval
) -> None:
    assert schedule_anchor(start, interval, 17) == start


@PROPERTY
@given(dates)
def test_month_and_year_lengths(day: date) -> None:
    first_of_month = day.replace(day=1)
    month = period_containing(first_of_month, MONTH, day)
    assert month.start == first_of_month
    assert month.days == month_length(day.year, day.month)
    assert 28 <= period_containing(day, MONTH, day).days <= 31
    year = period_containing(date(day.year, 1, 1), YEAR, day)
    assert year.start == date(day.year, 1, 1)
    assert year.days == (366 if stdlib_calendar.isleap(day.year) else 365)
    assert period_containing(day, YEAR, day).days in (365, 366)


@PROPERTY
@given(dates, dates)
def test_weekly_periods_start_on_the_anchor_weekday(anchor: date, day: date) -> None:
    period = period_containing(anchor, WEEK, day)
    assert period.start.weekday() == anchor.weekday()
    assert period.days == 7
    assert (period.start - anchor).days % 7 == 0
    assert 0 <= (day - period.start).days < 7


@PROPERTY
@given(dates, st.integers(1, 12), dates)
def test_day_schedules_match_integer_division(anchor: date, count: int, day: date) -> None:
    period = period_containing(anchor, Interval(IntervalUnit.DAY, count), day)
    assert period.index == (day - anchor).days // count
    assert period.start == anchor + timedelta(days=period.index * count)
    assert period.days == count
