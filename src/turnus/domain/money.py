"""Money: integer minor units with an ISO 4217 currency; explicit half-up rounding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Self

from babel.numbers import get_currency_precision, is_currency

from turnus.domain.errors import ValidationFailed

# ISO 4217 codes that are no money anyone is invoiced in: precious metals, bond-market units,
# special drawing rights, the testing code and "no currency".
NON_MONEY_CODES = frozenset(
    {"XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XTS", "XXX"}
)


def is_iso_currency(code: str) -> bool:
    return (
        len(code) == 3
        and code.isupper()
        and code not in NON_MONEY_CODES
        and bool(is_currency(code))
    )


def minor_unit_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (EUR 2, JPY 0)."""
    if not is_iso_currency(currency):
        raise ValidationFailed.field("/currency", f"'{currency}' is not an ISO 4217 currency code")
    return int(get_currency_precision(currency))


def round_half_up(value: Decimal) -> int:
    """Round an amount already expressed in minor units to a whole minor unit, half away from 0."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_minor_units(major: Decimal, currency: str) -> int:
    """Convert a major-unit decimal (12.345 EUR) to minor units, rounding half-up (1235)."""
    return round_half_up(major.scaleb(minor_unit_exponent(currency)))


def exact_minor_units(amount: Decimal, currency: str, pointer: str) -> int:
    """Minor units of a fee the merchant enters, which must be exact in its currency: 5.00 EUR
    is 500, 5.001 EUR is refused (a fee is never rounded silently). Negative is refused."""
    exponent = minor_unit_exponent(currency)
    if amount < 0 or amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise ValidationFailed.field(
            pointer, f"must be a non-negative {currency} amount with at most {exponent} decimals"
        )
    return to_minor_units(amount, currency)


def to_major_units(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_unit_exponent(currency))


@dataclass(frozen=True, order=False)
class Money:
    """An amount in integer minor units of one currency. Arithmetic never mixes currencies."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("Money.amount must be an int of minor units")
        minor_unit_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal) -> Money:
        """Multiply by an exact decimal factor and round half-up to the minor unit."""
        return Money(round_half_up(Decimal(self.amount) * factor), self.currency)

    @property
    def major(self) -> Decimal:
        return to_major_units(self.amount, self.currency)
