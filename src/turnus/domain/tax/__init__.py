"""VAT for invoices (pure domain): effective-dated EU rates, how a line is taxed, the tax
summary per rate, and the notes an untaxed line requires. See ``docs/tax.md``."""

from turnus.domain.tax.notes import note
from turnus.domain.tax.rates import (
    EU_MEMBER_STATES,
    RATE_TABLE,
    TABLE_START,
    RateEntry,
    is_eu,
    vat_rate,
)
from turnus.domain.tax.rules import Buyer, LineTax, Seller, TaxTreatment, home_rate, line_tax
from turnus.domain.tax.totals import TaxGroup, net_of_gross, tax_groups

__all__ = [
    "EU_MEMBER_STATES",
    "RATE_TABLE",
    "TABLE_START",
    "Buyer",
    "LineTax",
    "RateEntry",
    "Seller",
    "TaxGroup",
    "TaxTreatment",
    "home_rate",
    "is_eu",
    "line_tax",
    "net_of_gross",
    "note",
    "tax_groups",
    "vat_rate",
]
