"""Coupons and discounts: what a coupon is, when it may be redeemed, and what it takes off.

A coupon takes either a percentage (``PERCENT``) or a fixed amount per currency
(``FIXED_AMOUNT``, integer minor units) off the charges it targets, for the first billing
period (``ONCE``), the first ``duration_periods`` periods (``REPEATING``) or every period
(``FOREVER``). Codes are case-insensitive: ``summer-24`` and ``SUMMER-24`` are one code
(:func:`normalize_code`).

THE STACKING RULE -- how the discounts a contract holds combine in one billing period
(:func:`apply_discounts`):

1. A contract may hold several discounts. For each charge line, the discounts that target it
   are applied in redemption order (``ActiveDiscount.redeemed_order``, ties broken by
   ``discount_id``).
2. Percentage discounts apply first, each on the amount remaining after the previous ones
   (compounding: 20 % then 10 % = 28 % off). Rounding is half-up, per line: the line's
   *cumulative* percentage discount after each discount (amount x (1 - product of the
   remaining fractions)) is rounded half-up and each discount gets the increase. A single
   percentage is therefore simply ``round_half_up(amount x p / 100)`` (15 % of 1033 =
   154.95 -> 155), and the total percentage discount of a line depends only on the set of
   percentages, never on their order (rounding each step separately would not commute:
   25 % then 50 % of 2 ct would be 1 + 1, 50 % then 25 % would be 1 + 0).
3. Fixed-amount discounts then apply, in redemption order, to the remaining amounts of the
   lines they target: a fixed amount is spread over its target lines in line order (the order
   of ``charges``), never taking a line below zero; any unused rest of a fixed amount is
   forfeited for that period (it does not carry over). A fixed discount without an amount in
   the invoice currency takes nothing.
4. A line's total discount never exceeds its amount; the result is one
   :class:`DiscountLine` per (discount, line) with a non-zero (negative) amount, ordered by
   line, then by the order the discounts were applied (percentages, then fixed amounts).

Which discounts are active in a period is the caller's decision
(:func:`discount_active_for_period`); :func:`apply_discounts` applies all it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import (
    Decimal,
    localcontext,
)
from enum import StrEnum

from turnus.domain.errors import FieldError, ValidationFailed
from turnus.domain.exact import EXACT as _EXACT
from turnus.domain.exact import ROUNDING as _ROUNDING
from turnus.domain.money import is_iso_currency, round_half_up

CODE_MIN_LENGTH = 3
CODE_MAX_LENGTH = 40
PERCENT_PLACES = 2
"""Decimal places a percentage may have (12.5 and 33.33 are fine, 33.333 is not)."""

_CODE = re.compile(r"[A-Za-z0-9_-]+")
_HUNDRED = Decimal(100)


class DiscountKind(StrEnum):
    PERCENT = "percent"
    FIXED_AMOUNT = "fixed_amount"


class DiscountDuration(StrEnum):
    ONCE = "once"  # the first billing period only
    REPEATING = "repeating"  # the first ``duration_periods`` billing periods
    FOREVER = "forever"  # every billing period


@dataclass(frozen=True)
class ChargeKey:
    """What a charge line bills: a plan's variant fee (plan and variant) or a component."""

    plan_id: str | None = None
    variant_id: str | None = None
    component_id: str | None = None


@dataclass(frozen=True)
class CouponTargets:
    """The charges a coupon applies to. All sets empty: every charge. Otherwise a charge
    matches if its plan, its variant or its component is listed."""

    plan_ids: frozenset[str] = frozenset()
    variant_ids: frozenset[str] = frozenset()
    component_ids: frozenset[str] = frozenset()

    @property
    def applies_to_everything(self) -> bool:
        return not (self.plan_ids or self.variant_ids or self.component_ids)

    def matches(self, key: ChargeKey) -> bool:
        if self.applies_to_everything:
            return True
        return (
            (key.plan_id is not None and key.plan_id in self.plan_ids)
            or (key.variant_id is not None and key.variant_id in self.variant_ids)
            or (key.component_id is not None and key.component_id in self.component_ids)
        )


@dataclass(frozen=True)
class Coupon:
    """A discount offer customers redeem by ``code``.

    PERCENT: ``percent`` (0 < p <= 100, at most two decimals), no ``amounts``.
    FIXED_AMOUNT: ``amounts`` as (currency, minor units > 0) pairs, one per currency, no
    ``percent``. ``duration_periods`` only (and always) for REPEATING. ``valid_from`` and
    ``valid_until`` are inclusive; None: unbounded. ``max_redemptions`` and
    ``max_redemptions_per_customer``: None is unlimited. ``active`` False: archived."""

    id: str
    code: str
    kind: DiscountKind
    percent: Decimal | None = None
    amounts: tuple[tuple[str, int], ...] = ()
    duration: DiscountDuration = DiscountDuration.ONCE
    duration_periods: int | None = None
    targets: CouponTargets = CouponTargets()
    valid_from: date | None = None
    valid_until: date | None = None
    max_redemptions: int | None = None
    max_redemptions_per_customer: int | None = None
    active: bool = True

    def amount_in(self, currency: str) -> int | None:
        """The fixed amount in ``currency`` (minor units), None if the coupon has none."""
        return next((amount for cur, amount in self.amounts if cur == currency), None)


@dataclass(frozen=True)
class Charge:
    """One invoice line before discounts: ``amount`` in minor units, >= 0."""

    line_id: str
    key: ChargeKey
    amount: int

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError("a charge amount is an int of minor units >= 0")


@dataclass(frozen=True)
class ActiveDiscount:
    """A coupon redeemed on a contract. ``redeemed_order`` orders the contract's discounts."""

    discount_id: str
    coupon: Coupon
    redeemed_order: int


@dataclass(frozen=True)
class DiscountLine:
    """What one discount takes off one line: ``amount`` is negative minor units."""

    discount_id: str
    line_id: str
    amount: int


# --- codes --------------------------------------------------------------------------------


def _code_problem(code: object) -> str | None:
    if not isinstance(code, str):
        return "the code must be a string"
    stripped = code.strip()
    if not CODE_MIN_LENGTH <= len(stripped) <= CODE_MAX_LENGTH:
        return f"the code must have {CODE_MIN_LENGTH} to {CODE_MAX_LENGTH} characters"
    # ASCII only *before* changing case: "ß".upper() is "SS" and the dotless
    # i (U+0131) upper-cases to "I".
    if not stripped.isascii() or _CODE.fullmatch(stripped) is None:
        return "the code may contain only letters A-Z, digits 0-9, '-' and '_'"
    return None


def normalize_code(code: str) -> str:
    """The canonical form of a coupon code: stripped and uppercased (" summer-24" ->
    "SUMMER-24"). Refuses (pointer ``/code``) anything but 3 to 40 ASCII letters, digits,
    '-' and '_'."""
    problem = _code_problem(code)
    if problem is not None:
        raise ValidationFailed.field("/code", problem)
    return code.strip().upper()


# --- validation ---------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _percent_errors(coupon: Coupon, pointer: str) -> Iterator[FieldError]:
    at = f"{pointer}/percent"
    if coupon.kind is not DiscountKind.PERCENT:
        if coupon.percent is not None:
            yield FieldError(at, "only a percentage coupon has a percentage")
        return
    percent = coupon.percent
    if percent is None:
        yield FieldError(at, "a percentage coupon needs a percentage")
    elif not isinstance(percent, Decimal) or not percent.is_finite():
        yield FieldError(at, "the percentage must be a finite Decimal")
    elif not Decimal(0) < percent <= _HUNDRED:
        yield FieldError(at, "the percentage must be above 0 and at most 100")
    elif percent.scaleb(PERCENT_PLACES) != percent.scaleb(PERCENT_PLACES).to_integral_value():
        yield FieldError(at, f"the percentage has more than {PERCENT_PLACES} decimal places")


def _amount_errors(coupon: Coupon, pointer: str) -> Iterator[FieldError]:
    at = f"{pointer}/amounts"
    if coupon.kind is not DiscountKind.FIXED_AMOUNT:
        if coupon.amounts:
            yield FieldError(at, "only a fixed-amount coupon has amounts")
        return
    if not isinstance(coupon.amounts, tuple) or not coupon.amounts:
        yield FieldError(at, "a fixed-amount coupon needs an amount in at least one currency")
        return
    seen: set[str] = set()
    for i, item in enumerate(coupon.amounts):
        if not isinstance(item, tuple) or len(item) != 2:
            yield FieldError(f"{at}/{i}", "an amount is a (currency, minor units) pair")
            continue
        currency, amount = item
        if not isinstance(currency, str) or not is_iso_currency(currency):
            yield FieldError(f"{at}/{i}", f"'{currency}' is not an ISO 4217 currency")
        elif currency in seen:
            yield FieldError(f"{at}/{i}", f"more than one amount in {currency}")
        else:
            seen.add(currency)
        if not _is_int(amount) or amount <= 0:
            yield FieldError(f"{at}/{i}", "the amount must be an int of minor units above 0")


def _coupon_errors(coupon: Coupon, pointer: str) -> Iterator[FieldError]:
    if not isinstance(coupon.id, str) or not coupon.id:
        yield FieldError(f"{pointer}/id", "the coupon needs an id")
    problem = _code_problem(coupon.code)
    if problem is not None:
        yield FieldError(f"{pointer}/code", problem)

    try:
        kind_ok = DiscountKind(coupon.kind) is coupon.kind
    except ValueError:
        kind_ok = False
    if not kind_ok:
        yield FieldError(f"{pointer}/kind", f"'{coupon.kind}' is not a discount kind")
    else:
        yield from _percent_errors(coupon, pointer)
        yield from _amount_errors(coupon, pointer)

    try:
        duration_ok = DiscountDuration(coupon.duration) is coupon.duration
    except ValueError:
        duration_ok = False
    periods = coupon.duration_periods
    if not duration_ok:
        yield FieldError(f"{pointer}/duration", f"'{coupon.duration}' is not a duration")
    elif coupon.duration is DiscountDuration.REPEATING:
        if periods is None:
            yield FieldError(
                f"{pointer}/duration_periods", "a repeating coupon needs a number of periods"
            )
        elif not _is_int(periods) or periods < 1:
            yield FieldError(f"{pointer}/duration_periods", "the number of periods must be >= 1")
    elif periods is not None:
        yield FieldError(
            f"{pointer}/duration_periods", "only a repeating coupon has a number of periods"
        )

    yield from _target_errors(coupon.targets, f"{pointer}/targets")

    for name in ("valid_from", "valid_until"):
        value = getattr(coupon, name)
        if value is not None and not isinstance(value, date):
            yield FieldError(f"{pointer}/{name}", "must be a date")
    if (
        isinstance(coupon.valid_from, date)
        and isinstance(coupon.valid_until, date)
        and coupon.valid_until < coupon.valid_from
    ):
        yield FieldError(f"{pointer}/valid_until", "the coupon must not expire before it starts")

    for name in ("max_redemptions", "max_redemptions_per_customer"):
        value = getattr(coupon, name)
        if value is not None and (not _is_int(value) or value < 1):
            yield FieldError(f"{pointer}/{name}", "a redemption limit must be at least 1")

    if not isinstance(coupon.active, bool):
        yield FieldError(f"{pointer}/active", "must be true or false")


def _target_errors(targets: CouponTargets, pointer: str) -> Iterator[FieldError]:
    if not isinstance(targets, CouponTargets):
        yield FieldError(pointer, "the targets must be CouponTargets")
        return
    for name in ("plan_ids", "variant_ids", "component_ids"):
        ids = getattr(targets, name)
        if not isinstance(ids, frozenset) or not all(isinstance(i, str) and i for i in ids):
            yield FieldError(f"{pointer}/{name}", "must be a set of non-empty ids")


def validate_coupon(coupon: Coupon, pointer: str = "") -> Coupon:
    """Return ``coupon`` with its code normalized (:func:`normalize_code`) if it is valid,
    else raise :class:`ValidationFailed` with one :class:`FieldError` per problem, JSON
    pointers below ``pointer``."""
    errors = list(_coupon_errors(coupon, pointer))
    if errors:
        raise ValidationFailed(
            "The coupon is not valid: " + "; ".join(f"{e.pointer}: {e.reason}" for e in errors),
            errors,
        )
    return replace(coupon, code=normalize_code(coupon.code))


# --- redemption ---------------------------------------------------------------------------


def check_redeemable(
    coupon: Coupon,
    *,
    today: date,
    currency: str,
    total_redemptions: int,
    customer_redemptions: int,
    charge_keys: Iterable[ChargeKey],
) -> None:
    """Refuse (pointer ``/coupon_code``, one reason) a redemption of ``coupon`` today on a
    contract in ``currency`` with the given charges. ``total_redemptions`` and
    ``customer_redemptions`` count the redemptions made so far, not this one.

    Checked in this order: inactive (archived), not yet valid, expired, total limit reached,
    per-customer limit reached, a fixed amount without an amount in ``currency``, applies to
    none of ``charge_keys`` (also when there are none)."""

    def refuse(reason: str) -> ValidationFailed:
        return ValidationFailed.field("/coupon_code", reason)

    if not coupon.active:
        raise refuse("the coupon is no longer active")
    if coupon.valid_from is not None and today < coupon.valid_from:
        raise refuse(f"the coupon is not valid before {coupon.valid_from.isoformat()}")
    if coupon.valid_until is not None and today > coupon.valid_until:
        raise refuse(f"the coupon expired on {coupon.valid_until.isoformat()}")
    if coupon.max_redemptions is not None and total_redemptions >= coupon.max_redemptions:
        raise refuse("the coupon has reached its redemption limit")
    if (
        coupon.max_redemptions_per_customer is not None
        and customer_redemptions >= coupon.max_redemptions_per_customer
    ):
        raise refuse("the customer has already redeemed this coupon as often as allowed")
    if coupon.kind is DiscountKind.FIXED_AMOUNT and coupon.amount_in(currency) is None:
        raise refuse(f"the coupon has no amount in {currency}")
    if not any(coupon.targets.matches(key) for key in charge_keys):
        raise refuse("the coupon does not apply to this plan")


def discount_active_for_period(coupon: Coupon, periods_already_discounted: int) -> bool:
    """Whether a discount still applies in a billing period, given how many periods it has
    already discounted: ONCE only the first, REPEATING the first ``duration_periods``,
    FOREVER all."""
    if periods_already_discounted < 0:
        raise ValueError("periods_already_discounted must be >= 0")
    if coupon.duration is DiscountDuration.ONCE:
        return periods_already_discounted == 0
    if coupon.duration is DiscountDuration.REPEATING:
        if coupon.duration_periods is None:
            raise ValueError("a repeating coupon needs duration_periods")
        return periods_already_discounted < coupon.duration_periods
    return True


# --- stacking -----------------------------------------------------------------------------


def _percent_of(discount: ActiveDiscount) -> Decimal:
    percent = discount.coupon.percent
    if percent is None:
        raise ValueError(f"discount {discount.discount_id}: a percentage coupon has no percent")
    return percent


def apply_discounts(
    charges: Sequence[Charge], discounts: Sequence[ActiveDiscount], currency: str
) -> list[DiscountLine]:
    """The discount lines of one billing period under THE STACKING RULE (module docstring).

    ``charges`` in line order (line ids unique), ``discounts`` the ones active in the period
    (discount ids unique; any order). ``currency`` picks the fixed amounts."""
    line_ids = [charge.line_id for charge in charges]
    if len(set(line_ids)) != len(line_ids):
        raise ValueError("charge line ids must be unique")
    discount_ids = [discount.discount_id for discount in discounts]
    if len(set(discount_ids)) != len(discount_ids):
        raise ValueError("discount ids must be unique")

    ordered = sorted(discounts, key=lambda d: (d.redeemed_order, d.discount_id))
    percents = [d for d in ordered if d.coupon.kind is DiscountKind.PERCENT]
    fixed = [d for d in ordered if d.coupon.kind is DiscountKind.FIXED_AMOUNT]

    taken: list[list[tuple[str, int]]] = [[] for _ in charges]
    remaining = [charge.amount for charge in charges]

    # 2. percentages, compounding, the cumulative discount of the line rounded half-up
    for index, charge in enumerate(charges):
        kept = Decimal(1)  # the exact fraction of the line the percentages leave
        cumulative = 0
        for discount in percents:
            if not discount.coupon.targets.matches(charge.key):
                continue
            with localcontext(_EXACT):
                kept *= (_HUNDRED - _percent_of(discount)) / _HUNDRED
                exact = charge.amount * (1 - kept)
            with localcontext(_ROUNDING):
                now = min(round_half_up(exact), charge.amount)
            if now > cumulative:
                taken[index].append((discount.discount_id, now - cumulative))
            cumulative = now
        remaining[index] = charge.amount - cumulative

    # 3. fixed amounts, spread in line order, the rest forfeited
    for discount in fixed:
        budget = discount.coupon.amount_in(currency) or 0
        for index, charge in enumerate(charges):
            if budget <= 0:
                break
            if not discount.coupon.targets.matches(charge.key):
                continue
            take = min(budget, remaining[index])
            if take > 0:
                taken[index].append((discount.discount_id, take))
                remaining[index] -= take
                budget -= take

    # 4. one negative line per (discount, line), by line
    return [
        DiscountLine(discount_id, charge.line_id, -amount)
        for charge, items in zip(charges, taken, strict=True)
        for discount_id, amount in items
    ]
