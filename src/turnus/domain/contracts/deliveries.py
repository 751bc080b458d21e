"""The delivery schedule of a contract for physical goods: one delivery at the start of every
billing period from the paid start, none in skipped periods, none on a day the contract is
paused, none from the end on."""

from __future__ import annotations

from datetime import date

from turnus.domain.catalog.calendar import first_boundary_on_or_after, next_period_start
from turnus.domain.contracts.lifecycle import Lifecycle

MAX_SCHEDULE = 500


def delivery_dates(lifecycle: Lifecycle, start: date, until: date) -> list[date]:
    """Delivery days in ``[start, until)``."""
    anchor = lifecycle.billing_anchor or lifecycle.paid_start
    interval = lifecycle.terms.billing_interval
    day = max(start, lifecycle.paid_start)
    if day != lifecycle.paid_start:
        day = first_boundary_on_or_after(anchor, interval, day)
    dates: list[date] = []
    end = lifecycle.end
    while day < until and (end is None or day < end) and len(dates) < MAX_SCHEDULE:
        if day not in lifecycle.skips and lifecycle.pause_on(day) is None:
            dates.append(day)
        day = next_period_start(anchor, interval, day)
    return dates


def next_delivery(lifecycle: Lifecycle, after: date) -> date | None:
    """The first delivery day on or after ``after`` (searching one schedule's worth ahead)."""
    horizon = date(after.year + 10, 1, 1)
    upcoming = delivery_dates(lifecycle, after, horizon)
    return upcoming[0] if upcoming else None
