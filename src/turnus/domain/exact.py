"""The decimal contexts of money arithmetic, shared by every domain module.

``EXACT`` refuses to round (``decimal.Inexact`` and ``Rounded`` trap), so a sum or product
computed in it is exact or raises; ``ROUNDING`` rounds half-up (away from zero) and is used only
for the final rounding to whole minor units. Both are wide (1000 digits), so no realistic amount
overflows them, and neither depends on the caller's decimal context."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Context,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
)

PRECISION = 1000
EXACT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, Rounded],
)
ROUNDING = Context(
    prec=PRECISION, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
)
