"""Numbers, money, dates, quantities, rates and IBANs as the invoice PDF shows them, by the
document's language (Babel)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from turnus.domain.money import minor_unit_exponent

EN_DASH = "\u2013"
NBSP = "\u00a0"
_Date = date  # ``Formatter.date`` shadows the type in the class body
_BABEL_LOCALES = {"de": Locale.parse("de_DE"), "en": Locale.parse("en_US")}


class Formatter:
    """Babel formatting in the document's language: ``1.234,56 €`` / ``€1,234.56``,
    ``25.11.2026`` / ``Nov 25, 2026``, ``19 %`` / ``19%``, quantities without trailing zeros."""

    def __init__(self, lang: str, currency: str) -> None:
        self.locale = _BABEL_LOCALES[lang]
        self.currency = currency
        self.exponent = minor_unit_exponent(currency)

    def money(self, minor: int) -> str:
        return str(
            format_currency(
                Decimal(minor).scaleb(-self.exponent), self.currency, locale=self.locale
            )
        )

    def unit_price(self, amount: int, quantity: Decimal) -> str:
        """``amount / quantity``: at the currency's precision, or with two more decimals when
        the division is not exact in minor units (3 for 10,00 € shows 3,3333 €)."""
        if quantity == 0:
            return self.money(amount)
        minor = Decimal(amount) / quantity
        if minor == minor.to_integral_value():
            return self.money(int(minor))
        major = (minor.scaleb(-self.exponent)).quantize(Decimal(1).scaleb(-self.exponent - 2))
        return str(
            format_currency(
                major.normalize(), self.currency, locale=self.locale, decimal_quantization=False
            )
        )

    def date(self, value: _Date) -> str:
        return str(format_date(value, format="medium", locale=self.locale))

    def period(self, start: _Date | None, end: _Date | None) -> str | None:
        if start is None:
            return self.date(end) if end is not None else None
        if end is None or end == start:
            return self.date(start)
        return f"{self.date(start)} {EN_DASH} {self.date(end)}"

    def quantity(self, value: Decimal) -> str:
        return str(format_decimal(value, format="#,##0.######", locale=self.locale))

    def percent(self, rate: Decimal) -> str:
        return str(format_percent(rate / 100, locale=self.locale, decimal_quantization=False))


def format_iban(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """Only the country code and the last four digits stay: ``DE** **** **** **** **30 00``."""
    compact = iban.replace(" ", "").upper()
    masked = compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    return format_iban(masked)
