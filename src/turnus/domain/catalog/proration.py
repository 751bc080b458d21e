"""Day-based proration.

``amount = round_half_up(round(days / days_in_period, 9) x full_amount)`` in minor units, where
``days_in_period`` is the real length of the billing period containing those days (28-31 for
a month, 365/366 for a year). The factor is rounded to 9 places (half-up) first so the result
does not depend on how a decimal context rounds a repeating fraction.

Everything is exact and independent of the caller's decimal context: the factor is computed
with integers, the product in a private context that refuses to round (like the pricing
functions), and only the final half-up rounding to a whole minor unit rounds anything. The
full period (``days == days_in_period``) has the factor 1 exactly, so it yields
``round_half_up(full_amount)``.
"""

from __future__ import annotations

from datetime import date
from decimal import (
    Decimal,
    localcontext,
)

from turnus.domain.catalog.calendar import Period
from turnus.domain.exact import EXACT as _EXACT
from turnus.domain.exact import ROUNDING as _ROUNDING
from turnus.domain.money import round_half_up

FACTOR_PLACES = Decimal("0.000000001")
_FACTOR_SCALE = 10**9  # 1 / FACTOR_PLACES

# The product of the factor and an amount is exact (a rounded product raises).
# The final rounding to a whole minor unit, with room for any exact product.


def proration_factor(days: int, days_in_period: int) -> Decimal:
    """``days / days_in_period`` rounded half-up to 9 decimal places (exponent -9)."""
    if days_in_period <= 0:
        raise ValueError("a period has at least one day")
    if not 0 <= days <= days_in_period:
        raise ValueError("the prorated days lie within the period")
    scaled, remainder = divmod(days * _FACTOR_SCALE, days_in_period)
    if 2 * remainder >= days_in_period:  # half-up (both operands are non-negative)
        scaled += 1
    return Decimal(scaled).scaleb(-9, _EXACT)


def prorate(full_amount: Decimal | int, days: int, days_in_period: int) -> int:
    """The share of ``full_amount`` (minor units, may be fractional) for ``days`` of a period
    of ``days_in_period`` days, rounded half-up (away from zero) to a whole minor unit.

    Raises ``ValueError`` unless ``0 <= days <= days_in_period`` and ``days_in_period >= 1``,
    or if ``full_amount`` is not finite."""
    factor = proration_factor(days, days_in_period)
    amount = Decimal(full_amount)
    if not amount.is_finite():
        raise ValueError("the full amount is a finite number")
    with localcontext(_EXACT):
        exact = factor * amount
    with localcontext(_ROUNDING):
        return round_half_up(exact)


def prorate_span(full_amount: Decimal | int, period: Period, start: date, end: date) -> int:
    """Prorate for the part ``[start, end)`` of ``period``."""
    if not (period.start <= start <= end <= period.end):
        raise ValueError("the span lies within the period")
    return prorate(full_amount, (end - start).days, period.days)
