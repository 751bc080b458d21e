"""Day-based proration.

``amount = round_half_up(round(days / days_in_period, 9) x full_amount)`` in minor units, where
``days_in_period`` is the real length of the billing period containing those days (28-31 for
a month, 365/366 for a year). The factor is rounded to 9 places (half-up) first so the result
does not depend on how a decimal context rounds a repeating fraction.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from turnus.domain.catalog.calendar import Period
from turnus.domain.money import round_half_up

FACTOR_PLACES = Decimal("0.000000001")


def proration_factor(days: int, days_in_period: int) -> Decimal:
    if days_in_period <= 0:
        raise ValueError("a period has at least one day")
    if not 0 <= days <= days_in_period:
        raise ValueError("the prorated days lie within the period")
    return (Decimal(days) / Decimal(days_in_period)).quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)


def prorate(full_amount: Decimal | int, days: int, days_in_period: int) -> int:
    """The share of ``full_amount`` (minor units, may be fractional) for ``days`` of a period
    of ``days_in_period`` days, rounded half-up to a whole minor unit."""
    if days == days_in_period:
        return round_half_up(Decimal(full_amount))
    return round_half_up(proration_factor(days, days_in_period) * Decimal(full_amount))


def prorate_span(full_amount: Decimal | int, period: Period, start: date, end: date) -> int:
    """Prorate for the part ``[start, end)`` of ``period``."""
    if not (period.start <= start <= end <= period.end):
        raise ValueError("the span lies within the period")
    return prorate(full_amount, (end - start).days, period.days)
