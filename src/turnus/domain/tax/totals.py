"""Invoice tax totals, German practice: the tax of each rate is computed once, on the invoice's
sum of the lines at that rate, and rounded half-up to a whole minor unit (halves away from
zero, so a credit note mirrors its invoice to the cent).

* Net prices (``prices_include_tax`` False): ``net`` = the sum of the lines,
  ``tax = round_half_up(net * rate / 100)``, ``gross = net + tax``.
* Gross prices (True): ``gross`` = the sum of the lines,
  ``tax = round_half_up(gross * rate / (100 + rate))``, ``net = gross - tax``.

Lines are grouped by (treatment, country, rate): a 19 % DE line and a 19 % reverse-charge line
never share a group, nor do OSS lines of two countries with the same rate. Groups come by rate,
highest first, then in the order of ``TaxTreatment``, then by country.

Gross prices and untaxed lines: a merchant's gross catalog price includes the home VAT. When a
line is not taxed (reverse charge, intra-Community supply, export, not taxable, exempt, small
business), the price without that VAT is what is charged: pass
``net_of_gross(gross_price, home_rate)`` as the line's amount. In gross mode an untaxed group's
gross equals its net. A taxed line (DOMESTIC, OSS) keeps its gross price, whatever the rate of
the destination: the consumer pays the catalog price and the tax is taken out of it.

Arithmetic is exact and independent of the caller's decimal context: the quotient is computed
in a private context that truncates (never rounds up) at 1000 significant digits, which cannot
change the result of the following half-up rounding to a whole unit (a truncated value is
below .5 exactly when the exact one is), and the products are computed with integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext

from turnus.domain.money import round_half_up
from turnus.domain.tax.rules import LineTax, TaxTreatment

_PRECISION = 1000
_LIMIT = 10 ** (_PRECISION - 100)  # leaves room for the quotient's fraction digits
# Division truncates toward zero, so rounding the quotient half-up later is exact (see above).
_DIVIDE = Context(prec=_PRECISION, rounding=ROUND_DOWN)
_ROUND = Context(prec=_PRECISION, rounding=ROUND_HALF_UP)
_TREATMENT_ORDER = {treatment: index for index, treatment in enumerate(TaxTreatment)}


@dataclass(frozen=True)
class TaxGroup:
    """One line of the invoice's tax summary (minor units)."""

    treatment: TaxTreatment
    country: str
    rate: Decimal
    net: int
    tax: int
    gross: int


def _check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amounts are int minor units")


def _rate_ratio(rate: Decimal) -> tuple[int, int]:
    """``rate`` as an exact fraction ``(numerator, denominator)`` of percent."""
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0:
        raise ValueError(f"a VAT rate is a finite, non-negative Decimal, not {rate!r}")
    return rate.as_integer_ratio()


def _divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (``denominator > 0``)."""
    if abs(numerator) >= _LIMIT:
        raise ValueError("amount too large for exact tax arithmetic")
    with localcontext(_DIVIDE):
        quotient = Decimal(numerator) / Decimal(denominator)
    with localcontext(_ROUND):
        return round_half_up(quotient)


def tax_of_net(net: int, rate: Decimal) -> int:
    """``round_half_up(net * rate / 100)``."""
    _check_amount(net)
    numerator, denominator = _rate_ratio(rate)
    return _divide_half_up(net * numerator, 100 * denominator)


def tax_of_gross(gross: int, rate: Decimal) -> int:
    """The tax contained in ``gross``: ``round_half_up(gross * rate / (100 + rate))``."""
    _check_amount(gross)
    numerator, denominator = _rate_ratio(rate)
    return _divide_half_up(gross * numerator, 100 * denominator + numerator)


def net_of_gross(amount: int, rate: Decimal) -> int:
    """``amount`` without the VAT of ``rate`` it includes: ``round_half_up(amount * 100 /
    (100 + rate))``. Used for gross catalog prices on lines that are not taxed (see the module
    docstring): 11900 at 19 % is 10000."""
    _check_amount(amount)
    numerator, denominator = _rate_ratio(rate)
    return _divide_half_up(amount * 100 * denominator, 100 * denominator + numerator)


def tax_groups(lines: Iterable[tuple[LineTax, int]], prices_include_tax: bool) -> list[TaxGroup]:
    """The invoice's tax summary: one group per (treatment, country, rate) of ``lines`` (each a
    ``LineTax`` and the line's amount in minor units, net or gross as ``prices_include_tax``
    says; negative for credits). Empty input gives no groups."""
    sums: dict[tuple[TaxTreatment, str, Decimal], int] = {}
    for line_tax, amount in lines:
        _check_amount(amount)
        _rate_ratio(line_tax.rate)
        key = (TaxTreatment(line_tax.treatment), line_tax.country, line_tax.rate)
        sums[key] = sums.get(key, 0) + amount
    groups: list[TaxGroup] = []
    for (treatment, country, rate), total in sums.items():
        if prices_include_tax:
            tax = tax_of_gross(total, rate)
            groups.append(TaxGroup(treatment, country, rate, total - tax, tax, total))
        else:
            tax = tax_of_net(total, rate)
            groups.append(TaxGroup(treatment, country, rate, total, tax, total + tax))
    # Two stable sorts: Decimal comparison is exact, negation would round in the caller's context.
    groups.sort(key=lambda g: (_TREATMENT_ORDER[g.treatment], g.country))
    groups.sort(key=lambda g: g.rate, reverse=True)
    return groups
