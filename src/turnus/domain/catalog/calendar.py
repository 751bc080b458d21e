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


def schedule_anchor(start: date, interval: Interval, anchor_day: int | None = None) -> date:
    """The anchor date of a schedule starting at ``start`` whose boundaries fall on
    ``anchor_day`` (1-31; clamped to shorter months). Without ``anchor_day`` the start itself
    is the anchor.

    For monthly and yearly schedules the anchor is a real date carrying the anchor day (looked
    up in an earlier month or year where it exists), so clamping never loses the day: anchor day
    31 gives Feb 28 and then Mar 31 again."""
    if anchor_day is None:
        return start
    if not 1 <= anchor_day <= 31:
        raise ValueError("an anchor day is between 1 and 31")
    if interval.unit in (IntervalUnit.DAY, IntervalUnit.WEEK):
        return start
    step = (
        relativedelta(months=interval.count)
        if interval.unit is IntervalUnit.MONTH
        else (relativedelta(years=interval.count))
    )
    # Start from the month of ``start`` (or the previous one if the day lies after ``start``),
    # then go back whole intervals until the anchor day exists in that month.
    candidate_month = date(start.year, start.month, 1)
    if anchor_day > start.day:
        candidate_month -= (
            relativedelta(months=1)
            if interval.unit is IntervalUnit.MONTH
            else (relativedelta(years=1))
        )
    for _ in range(_ANCHOR_SEARCH_STEPS):
        last_day = (candidate_month + relativedelta(months=1) - timedelta(days=1)).day
        if anchor_day <= last_day:
            return candidate_month.replace(day=anchor_day)
        candidate_month -= step
    raise ValueError(f"no month carries day {anchor_day} on this schedule")  # pragma: no cover


def days_between(start: date, end: date) -> int:
    return (end - start).days
