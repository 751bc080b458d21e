"""Calendar arithmetic for billing periods.

A billing schedule is an *anchor date* and an interval; period ``k`` starts at
``anchor + k x interval``, always computed from the anchor (never step by step), so month ends
clamp without drifting: anchor Jan 31 gives Feb 28 (Feb 29 in leap years), then Mar 31.
Periods are half-open: ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from turnus.domain.catalog.model import Interval, IntervalUnit

# Enough steps back to find a month (or a leap year) in which the anchor day exists.
_ANCHOR_SEARCH_STEPS = 64


def shift(anchor: date, interval: Interval, k: int) -> date:
    """The boundary ``k`` intervals from ``anchor`` (k may be negative)."""
    steps = interval.count * k
    match interval.unit:
        case IntervalUnit.DAY:
            return anchor + timedelta(days=steps)
        case IntervalUnit.WEEK:
            return anchor + timedelta(weeks=steps)
        case IntervalUnit.MONTH:
            return anchor + relativedelta(months=steps)
        case IntervalUnit.YEAR:
            return anchor + relativedelta(years=steps)


def add(start: date, interval: Interval) -> date:
    """``start`` plus one interval, month ends clamped (Jan 31 + 1 month = Feb 28/29)."""
    return shift(start, interval, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    index: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def period_at(anchor: date, interval: Interval, index: int) -> Period:
    return Period(shift(anchor, interval, index), shift(anchor, interval, index + 1), index)


def _approximate_index(anchor: date, interval: Interval, day: date) -> int:
    match interval.unit:
        case IntervalUnit.DAY:
            return (day - anchor).days // interval.count
        case IntervalUnit.WEEK:
            return (day - anchor).days // (7 * interval.count)
        case IntervalUnit.MONTH:
            months = (day.year - anchor.year) * 12 + day.month - anchor.month
            return months // interval.count
        case IntervalUnit.YEAR:
            return (day.year - anchor.year) // interval.count


def period_containing(anchor: date, interval: Interval, day: date) -> Period:
    """The period of the schedule that contains ``day`` (also before the anchor)."""
    index = _approximate_index(anchor, interval, day)
    while shift(anchor, interval, index) > day:
        index -= 1
    while shift(anchor, interval, index + 1) <= day:
        index += 1
    return period_at(anchor, interval, index)


def next_period_start(anchor: date, interval: Interval, day: date) -> date:
    """The first period boundary strictly after ``day``."""
    return period_containing(anchor, interval, day).end


def first_boundary_on_or_after(anchor: date, interval: Interval, day: date) -> date:
    period = period_containing(anchor, interval, day)
    return period.start if period.start == day else period.end


def _days_in_month(day: date) -> int:
    return (date(day.year, day.month, 1) + relativedelta(months=1) - timedelta(days=1)).day


def schedule_anchor(start: date, interval: Interval, anchor_day: int | None = None) -> date:
    """The anchor date of a schedule through ``start`` whose boundaries fall on ``anchor_day``
    (1-31; clamped to shorter months). Without ``anchor_day``, and for day- or week-based
    intervals, the start itself is the anchor.

    For monthly and yearly schedules the anchor is a real date on or before ``start`` that
    carries the anchor day, looked up whole intervals before the first boundary on or after
    ``start``, so clamping never loses the day: anchor day 31 gives Feb 28 and then Mar 31
    again. Where no month of the schedule ever has that day (every 12 months in February, day
    30), the anchor is the latest day those months do have (Feb 29 of a leap year), which
    clamps the same way. An anchor day outside 1-31 raises ``ValueError`` for every unit."""
    if anchor_day is not None and not 1 <= anchor_day <= 31:
        raise ValueError("an anchor day is between 1 and 31")
    if anchor_day is None or interval.unit in (IntervalUnit.DAY, IntervalUnit.WEEK):
        return start
    if start.day == anchor_day:
        return start
    step = relativedelta(months=interval.count * (12 if interval.unit is IntervalUnit.YEAR else 1))
    first_boundary_month = date(start.year, start.month, 1)
    if min(anchor_day, _days_in_month(start)) < start.day:
        first_boundary_month += relativedelta(months=1)
    for day in range(anchor_day, min(anchor_day, 28) - 1, -1):
        month = first_boundary_month
        for _ in range(_ANCHOR_SEARCH_STEPS):
            month -= step
            if day <= _days_in_month(month):
                return month.replace(day=day)
    raise ValueError(f"no month carries day {anchor_day} on this schedule")  # pragma: no cover


def days_between(start: date, end: date) -> int:
    return (end - start).days
