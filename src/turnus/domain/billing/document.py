"""The money of an invoice document: each line's amount in the tax treatment that applies to
it, and the totals per tax rate (German practice: tax on the net sum per rate, half-up).

Prices entered gross (``prices_include_tax``) are what a consumer pays, so a taxed line keeps
its amount and the tax is taken out of it. A line that is not taxed (reverse charge, export,
exempt, not taxable in the seller's country) is billed at the gross price less the seller's
home VAT for its category, because that VAT is not owed. A small business (§ 19 UStG) charges
its prices as they are."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from turnus.domain.tax.notes import note
from turnus.domain.tax.rules import LineTax, TaxTreatment
from turnus.domain.tax.totals import TaxGroup, net_of_gross, tax_groups

_UNTAXED_FROM_GROSS = frozenset(
    {
        TaxTreatment.REVERSE_CHARGE,
        TaxTreatment.INTRA_COMMUNITY_SUPPLY,
        TaxTreatment.EXPORT,
        TaxTreatment.NOT_TAXABLE,
        TaxTreatment.EXEMPT,
    }
)


def billed_amount(
    amount: int, line_tax: LineTax, home_rate: Decimal, prices_include_tax: bool
) -> int:
    """The line amount to invoice for a catalog amount (see the module docstring)."""
    if prices_include_tax and line_tax.treatment in _UNTAXED_FROM_GROSS and home_rate:
        return net_of_gross(amount, home_rate)
    return amount


@dataclass(frozen=True)
class Totals:
    net: int
    tax: int
    gross: int
    groups: tuple[TaxGroup, ...]
    notes: tuple[str, ...]


def totals(
    lines: Iterable[tuple[LineTax, int]],
    prices_include_tax: bool,
    locale: str,
    exempt_reason: str | None = None,
) -> Totals:
    collected: Sequence[tuple[LineTax, int]] = list(lines)
    groups = tuple(tax_groups(collected, prices_include_tax))
    notes: list[str] = []
    for treatment in dict.fromkeys(line_tax.treatment for line_tax, _ in collected):
        text = note(treatment, locale, exempt_reason)
        if text and text not in notes:
            notes.append(text)
    return Totals(
        net=sum(g.net for g in groups),
        tax=sum(g.tax for g in groups),
        gross=sum(g.gross for g in groups),
        groups=groups,
        notes=tuple(notes),
    )


def line_nets(amounts: Sequence[int], rate: Decimal, group_net: int, gross: bool) -> list[int]:
    """The net of each line of one tax group such that they sum to the group's net (EN 16931
    BR-CO-10). Net prices are their own nets; gross lines are converted one by one and the
    rounding difference goes to the line with the largest amount."""
    if not gross:
        return list(amounts)
    nets = [net_of_gross(amount, rate) for amount in amounts]
    if nets:
        largest = max(range(len(amounts)), key=lambda index: abs(amounts[index]))
        nets[largest] += group_net - sum(nets)
    return nets
