"""How one invoice line is taxed: the treatment, the rate and the country whose rate applies.

The seller is a business established in an EU member state (usually DE). The rules, in order:

1. The seller is a small business (§ 19 UStG, Kleinunternehmer): ``SMALL_BUSINESS``, 0 %.
2. The buyer is tax-exempt, or the product's category is ``EXEMPT``: ``EXEMPT``, 0 %.
3. Buyer in the seller's country: ``DOMESTIC`` at the seller's rate.
4. Buyer in another EU member state:

   * a business with a VAT ID: ``REVERSE_CHARGE`` (services and digital services) or
     ``INTRA_COMMUNITY_SUPPLY`` (physical goods), 0 %;
   * a consumer, or a business without a VAT ID: digital services and physical goods (distance
     sales) are taxed at the buyer country's rate (``OSS``) if the seller is registered for the
     One-Stop-Shop (i.e. is above the EUR 10,000 EU-wide threshold or opted in); otherwise, and
     for other services (place of supply at the seller's establishment, § 3a Abs. 1 UStG),
     ``DOMESTIC`` at the seller's rate.

5. Buyer outside the EU: physical goods are an ``EXPORT`` (0 %); services to a business are
   ``NOT_TAXABLE`` here (place of supply at the buyer's, § 3a Abs. 2 UStG); digital services to
   a consumer are ``NOT_TAXABLE`` here (§ 3a Abs. 5 UStG), other services to a consumer are
   ``DOMESTIC``.

A product in category ``ZERO`` keeps the treatment above but its rate is 0. A treatment that
charges no VAT has the rate 0 and no country (``""``).

Whether a VAT ID is *valid* (VIES/BZSt check) is the caller's business: pass ``vat_id`` only
once it was confirmed, otherwise the buyer is treated like a consumer. Countries are ISO 3166-1
alpha-2 codes; the VAT prefixes ``EL`` (use GR) and ``XI`` (Northern Ireland, whose goods rules
are not modelled) are refused. Special territories (Canary Islands, Åland, …) are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.domain.tax.rates import check_date, eu_country, is_eu, vat_rate


class TaxTreatment(StrEnum):
    DOMESTIC = "domestic"  # seller's home-country rate
    OSS = "oss"  # EU consumer abroad, destination rate (One-Stop-Shop)
    REVERSE_CHARGE = "reverse_charge"  # EU business with valid VAT ID, services: 0 %
    INTRA_COMMUNITY_SUPPLY = "intra_community_supply"  # EU business with VAT ID, goods: 0 %
    EXPORT = "export"  # physical goods to a non-EU customer: 0 %
    # a service whose place of supply is outside the EU (non-EU business, or non-EU consumer of
    # digital services): 0 %
    NOT_TAXABLE = "not_taxable"
    SMALL_BUSINESS = "small_business"  # § 19 UStG Kleinunternehmer: 0 %
    EXEMPT = "exempt"  # exempt product (category EXEMPT) or a tax-exempt customer: 0 %


#: The treatments that charge VAT on the invoice (all others are 0 % and need a note).
TAXED_TREATMENTS = frozenset({TaxTreatment.DOMESTIC, TaxTreatment.OSS})


@dataclass(frozen=True)
class Seller:
    """``country``: ISO code of the EU member state the seller is established in.
    ``oss_registered``: registered for the One-Stop-Shop (above the EU-wide EUR 10,000
    threshold for digital services and distance sales, or opted in)."""

    country: str
    small_business: bool = False
    oss_registered: bool = True


@dataclass(frozen=True)
class Buyer:
    """``country``: ISO 3166-1 alpha-2 of the buyer's location (Greece is GR). ``vat_id``: a
    VAT ID already confirmed valid, or None. ``tax_exempt``: a customer whose purchases are
    exempt (e.g. a diplomatic mission with an exemption certificate)."""

    country: str
    is_business: bool
    vat_id: str | None = None
    tax_exempt: bool = False


@dataclass(frozen=True)
class LineTax:
    """How one line is taxed. ``country``: the country whose rate applies ('' where none)."""

    treatment: TaxTreatment
    rate: Decimal
    country: str


def home_rate(seller: Seller, category: TaxCategory, on: date) -> Decimal:
    """The rate of the seller's own country for ``category`` on ``on``."""
    return vat_rate(seller.country, category, on)


def _buyer_country(country: str) -> str:
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"'{country}' is not an ISO 3166-1 alpha-2 country code")
    if code == "EL":  # never read Greece's VAT prefix as a country outside the EU
        raise ValueError("'EL' is Greece's VAT prefix; use the ISO 3166 code 'GR'")
    if code == "XI":  # Northern Ireland follows EU rules for goods: not modelled
        raise ValueError("'XI' (Northern Ireland) is a VAT prefix; use the ISO 3166 code 'GB'")
    return code


def _untaxed(treatment: TaxTreatment) -> LineTax:
    return LineTax(treatment, Decimal(0), "")


def _taxed(treatment: TaxTreatment, country: str, category: TaxCategory, on: date) -> LineTax:
    return LineTax(treatment, vat_rate(country, category, on), country)


def line_tax(
    seller: Seller, buyer: Buyer, category: TaxCategory, kind: ProductKind, on: date
) -> LineTax:
    """The treatment, rate and rate country of a line of ``category``/``kind`` supplied by
    ``seller`` to ``buyer`` on ``on`` (the date of supply). Raises ``ValueError`` if the seller
    is not in an EU member state, the buyer's country is not an ISO code, or no rate is known
    for the date."""
    home = eu_country(seller.country)
    category = TaxCategory(category)
    kind = ProductKind(kind)
    destination = _buyer_country(buyer.country)
    check_date(on)
    if seller.small_business:
        return _untaxed(TaxTreatment.SMALL_BUSINESS)
    if buyer.tax_exempt or category is TaxCategory.EXEMPT:
        return _untaxed(TaxTreatment.EXEMPT)
    if destination == home:
        return _taxed(TaxTreatment.DOMESTIC, home, category, on)
    if is_eu(destination):
        if buyer.is_business and buyer.vat_id is not None and buyer.vat_id.strip():
            if kind is ProductKind.PHYSICAL:
                return _untaxed(TaxTreatment.INTRA_COMMUNITY_SUPPLY)
            return _untaxed(TaxTreatment.REVERSE_CHARGE)
        if kind in (ProductKind.DIGITAL, ProductKind.PHYSICAL) and seller.oss_registered:
            return _taxed(TaxTreatment.OSS, destination, category, on)
        return _taxed(TaxTreatment.DOMESTIC, home, category, on)
    if kind is ProductKind.PHYSICAL:
        return _untaxed(TaxTreatment.EXPORT)
    if buyer.is_business or kind is ProductKind.DIGITAL:
        return _untaxed(TaxTreatment.NOT_TAXABLE)
    return _taxed(TaxTreatment.DOMESTIC, home, category, on)
