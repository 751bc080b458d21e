"""Pricing: what a quantity costs under a :class:`~turnus.domain.catalog.model.Price`.

Money values on a price (``amount``, ``Tier.unit_price``, ``Tier.flat_price``) are exact
``Decimal`` values in *major* units of ``Price.currency``; quantities are ``Decimal`` >= 0 and
may be fractional (2.5 GB). :func:`exact_amount` gives the un-rounded charge in *minor* units;
:func:`amount_for` rounds it half-up to a whole minor unit, once per line (never per tier).

The models (tiers hold the units up to and including ``up_to``; tier ``i`` covers the
quantities above the previous tier's ``up_to``):

* FLAT: ``amount`` whenever the quantity is above 0, else nothing.
* PER_UNIT: ``amount`` x quantity.
* GRADUATED: each unit is priced in its own tier (units 1..100 at tier 1, 101..1000 at
  tier 2, ...); a tier's ``flat_price`` is added once as soon as some quantity falls in it.
  A fractional quantity is split exactly at the boundary (100.5 = 100 in tier 1, 0.5 in tier 2).
* VOLUME: every unit at the ``unit_price`` of the tier the total reaches, plus that tier's
  ``flat_price``; nothing for a quantity of 0.
* PACKAGE: ``amount`` per started block of ``package_size`` units (ceil(quantity / size)).
* CAPACITY: the ``flat_price`` of the first tier whose ``up_to`` is not exceeded (``unit_price``
  is not used, so it must be 0). The first tier applies to a quantity of 0 as well: a capacity
  price is a commitment fee. The last tier may be bounded; a quantity above it is refused.

Limits checked by :func:`validate_price`: fees (FLAT and PACKAGE ``amount``, tier
``flat_price``) have at most the currency's minor-unit decimals (EUR 2, JPY 0); unit prices
(PER_UNIT ``amount``, tier ``unit_price``) at most :data:`UNIT_PRICE_EXTRA_PLACES` (6) more
(EUR 0.00000001, JPY 0.000001).

Arithmetic runs in a wide decimal context that refuses to round (``decimal.Inexact``), so the
exact amounts are exact; only :func:`amount_for` rounds.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import (
    Decimal,
    localcontext,
)

from turnus.domain.catalog.model import Price, PricingModel, Tier
from turnus.domain.errors import FieldError, ValidationFailed
from turnus.domain.exact import EXACT as _EXACT
from turnus.domain.exact import ROUNDING as _ROUNDING
from turnus.domain.money import is_iso_currency, minor_unit_exponent, round_half_up

UNIT_PRICE_EXTRA_PLACES = 6
"""Decimal places a unit price may have beyond the currency's minor unit (EUR: 2 + 6 = 8)."""

_ZERO = Decimal(0)

_TIERED = frozenset({PricingModel.GRADUATED, PricingModel.VOLUME, PricingModel.CAPACITY})
_UNBOUNDED_LAST_TIER = frozenset({PricingModel.GRADUATED, PricingModel.VOLUME})


def _places(value: Decimal) -> int:
    """Significant decimal places of a finite decimal (14.900 -> 1, 100 -> 0); context-free."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    stripped = list(digits)
    while exponent < 0 and len(stripped) > 1 and stripped[-1] == 0:
        stripped.pop()
        exponent += 1
    if stripped == [0]:
        return 0
    return max(0, -exponent)


def _check_money(
    value: object, pointer: str, max_places: int | None, what: str
) -> Iterator[FieldError]:
    if not isinstance(value, Decimal):
        yield FieldError(pointer, f"the {what} must be an exact Decimal")
        return
    if not value.is_finite():
        yield FieldError(pointer, f"the {what} must be a finite number")
        return
    if value < 0:
        yield FieldError(pointer, f"the {what} must not be negative")
    if max_places is not None and _places(value) > max_places:
        yield FieldError(pointer, f"the {what} has more than {max_places} decimal places")


def _check_positive_decimal(value: object, pointer: str, what: str) -> Iterator[FieldError]:
    if not isinstance(value, Decimal) or not value.is_finite():
        yield FieldError(pointer, f"the {what} must be a finite Decimal")
    elif value <= 0:
        yield FieldError(pointer, f"the {what} must be positive")


def _price_errors(price: Price, pointer: str) -> Iterator[FieldError]:
    exponent: int | None = None
    if isinstance(price.currency, str) and is_iso_currency(price.currency):
        exponent = minor_unit_exponent(price.currency)
    else:
        yield FieldError(f"{pointer}/currency", f"'{price.currency}' is not an ISO 4217 currency")
    fee_places = exponent
    unit_places = None if exponent is None else exponent + UNIT_PRICE_EXTRA_PLACES

    try:
        model = PricingModel(price.model)
    except ValueError:
        yield FieldError(f"{pointer}/model", f"'{price.model}' is not a pricing model")
        return

    # amount
    if model is PricingModel.PER_UNIT:
        yield from _check_money(price.amount, f"{pointer}/amount", unit_places, "unit price")
    elif model in (PricingModel.FLAT, PricingModel.PACKAGE):
        yield from _check_money(price.amount, f"{pointer}/amount", fee_places, "amount")
    elif price.amount != 0:
        yield FieldError(f"{pointer}/amount", f"a {model.value} price is priced by its tiers")

    # package_size
    if model is PricingModel.PACKAGE:
        if price.package_size is None:
            yield FieldError(f"{pointer}/package_size", "a package price needs a package size")
        else:
            yield from _check_positive_decimal(
                price.package_size, f"{pointer}/package_size", "package size"
            )
    elif price.package_size is not None:
        yield FieldError(f"{pointer}/package_size", "only a package price has a package size")

    # tiers
    if model not in _TIERED:
        if price.tiers:
            yield FieldError(f"{pointer}/tiers", f"a {model.value} price has no tiers")
        return
    if not price.tiers:
        yield FieldError(f"{pointer}/tiers", f"a {model.value} price needs at least one tier")
        return
    yield from _tier_errors(price.tiers, model, f"{pointer}/tiers", fee_places, unit_places)


def _tier_errors(
    tiers: tuple[Tier, ...],
    model: PricingModel,
    pointer: str,
    fee_places: int | None,
    unit_places: int | None,
) -> Iterator[FieldError]:
    last = len(tiers) - 1
    previous: Decimal | None = None
    for i, tier in enumerate(tiers):
        at = f"{pointer}/{i}"
        if tier.up_to is None:
            if i != last:
                yield FieldError(f"{at}/up_to", "only the last tier may be unbounded")
        elif not isinstance(tier.up_to, Decimal) or not tier.up_to.is_finite():
            yield FieldError(f"{at}/up_to", "the tier limit must be a finite Decimal")
        elif tier.up_to <= 0:
            yield FieldError(f"{at}/up_to", "the tier limit must be positive")
        else:
            if previous is not None and tier.up_to <= previous:
                yield FieldError(f"{at}/up_to", "tier limits must be strictly increasing")
            if i == last and model in _UNBOUNDED_LAST_TIER:
                yield FieldError(
                    f"{at}/up_to", f"the last tier of a {model.value} price must be unbounded"
                )
            previous = tier.up_to
        if model is PricingModel.CAPACITY:
            if tier.unit_price != 0:
                yield FieldError(f"{at}/unit_price", "a capacity tier has only a flat price")
        else:
            yield from _check_money(tier.unit_price, f"{at}/unit_price", unit_places, "unit price")
        yield from _check_money(tier.flat_price, f"{at}/flat_price", fee_places, "flat price")


def validate_price(price: Price, pointer: str = "") -> Price:
    """Return ``price`` unchanged if it can be priced, else raise :class:`ValidationFailed`
    with one :class:`FieldError` per problem, JSON pointers below ``pointer``."""
    errors = list(_price_errors(price, pointer))
    if errors:
        raise ValidationFailed(
            "The price is not valid: " + "; ".join(f"{e.pointer}: {e.reason}" for e in errors),
            errors,
        )
    return price


def _check_quantity(quantity: Decimal) -> None:
    if not isinstance(quantity, Decimal):
        raise TypeError("a quantity must be a Decimal")
    if not quantity.is_finite() or quantity < 0:
        raise ValidationFailed.field("/quantity", "the quantity must be a finite number >= 0")


def _reached_tier(tiers: tuple[Tier, ...], quantity: Decimal) -> Tier | None:
    """The first tier whose limit is not exceeded (boundaries inclusive), None above all."""
    return next((t for t in tiers if t.up_to is None or quantity <= t.up_to), None)


def _graduated(tiers: tuple[Tier, ...], quantity: Decimal, scale: int) -> Decimal:
    total = _ZERO
    lower = _ZERO
    for tier in tiers:
        if quantity <= lower:
            break
        upper = quantity if tier.up_to is None else min(quantity, tier.up_to)
        total += (upper - lower) * tier.unit_price.scaleb(scale) + tier.flat_price.scaleb(scale)
        if tier.up_to is None:
            break
        lower = tier.up_to
    return total


def exact_amount(price: Price, quantity: Decimal) -> Decimal:
    """The exact, un-rounded charge for ``quantity`` in *minor* units of ``price.currency``.

    Raises :class:`ValidationFailed` for an invalid price (pointers below ""), a negative or
    non-finite quantity, or a quantity above the last bounded tier of a capacity price
    (pointer "/quantity")."""
    validate_price(price)
    _check_quantity(quantity)
    scale = minor_unit_exponent(price.currency)
    tiers = price.tiers
    with localcontext(_EXACT):
        match price.model:
            case PricingModel.FLAT:
                return price.amount.scaleb(scale) if quantity > 0 else _ZERO
            case PricingModel.PER_UNIT:
                return price.amount.scaleb(scale) * quantity
            case PricingModel.PACKAGE:
                size = price.package_size
                assert size is not None
                blocks = quantity // size + (1 if quantity % size else 0)
                return price.amount.scaleb(scale) * blocks
            case PricingModel.GRADUATED:
                return _graduated(tiers, quantity, scale)
            case PricingModel.VOLUME:
                if quantity == 0:
                    return _ZERO
                tier = _reached_tier(tiers, quantity)
                assert tier is not None  # the last tier is unbounded
                return quantity * tier.unit_price.scaleb(scale) + tier.flat_price.scaleb(scale)
            case PricingModel.CAPACITY:
                tier = _reached_tier(tiers, quantity)
                if tier is None:
                    raise ValidationFailed.field(
                        "/quantity",
                        f"the quantity exceeds the largest capacity ({tiers[-1].up_to})",
                    )
                return tier.flat_price.scaleb(scale)
    raise AssertionError(f"unhandled pricing model {price.model}")  # pragma: no cover


def amount_for(price: Price, quantity: Decimal) -> int:
    """The charge for ``quantity`` in whole minor units: :func:`exact_amount`, rounded half-up
    once for the whole line."""
    exact = exact_amount(price, quantity)
    with localcontext(_ROUNDING):
        return round_half_up(exact)
