"""How a line is taxed (treatment, rate, rate country) and the note each treatment requires."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.domain.tax.notes import note
from turnus.domain.tax.rates import EU_MEMBER_STATES, TABLE_START, vat_rate
from turnus.domain.tax.rules import (
    TAXED_TREATMENTS,
    Buyer,
    LineTax,
    Seller,
    TaxTreatment,
    home_rate,
    line_tax,
)

ON = date(2026, 12, 1)
DE = Seller("DE")
S, R, Z, X = TaxCategory.STANDARD, TaxCategory.REDUCED, TaxCategory.ZERO, TaxCategory.EXEMPT
SERVICE, PHYSICAL, DIGITAL = ProductKind.SERVICE, ProductKind.PHYSICAL, ProductKind.DIGITAL
T = TaxTreatment


def consumer(country: str) -> Buyer:
    return Buyer(country, is_business=False)


def business(country: str, vat_id: str | None = "XX123") -> Buyer:
    return Buyer(country, is_business=True, vat_id=vat_id)


# --- the examples of the specification --------------------------------------------------------


def test_oss_to_an_austrian_consumer_for_digital_goods_is_20_percent() -> None:
    assert line_tax(DE, consumer("AT"), S, DIGITAL, ON) == LineTax(T.OSS, Decimal(20), "AT")


def test_reverse_charge_to_a_french_business() -> None:
    result = line_tax(DE, business("FR", "FR40303265045"), S, SERVICE, ON)
    assert result == LineTax(T.REVERSE_CHARGE, Decimal(0), "")


def test_domestic_uses_the_rate_of_the_date_of_supply() -> None:
    assert line_tax(DE, consumer("DE"), S, SERVICE, date(2020, 8, 1)).rate == Decimal(16)
    assert line_tax(DE, consumer("DE"), S, SERVICE, date(2021, 1, 1)).rate == Decimal(19)
    assert line_tax(DE, consumer("DE"), R, PHYSICAL, ON) == LineTax(T.DOMESTIC, Decimal(7), "DE")


# --- the decision table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("buyer", "kind", "oss", "expected"),
    [
        # same country: always domestic, business or not
        (consumer("DE"), SERVICE, True, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        (business("DE", "DE136695976"), DIGITAL, True, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        (business("DE"), PHYSICAL, False, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        # EU business with VAT ID
        (business("FR"), SERVICE, True, LineTax(T.REVERSE_CHARGE, Decimal(0), "")),
        (business("FR"), DIGITAL, True, LineTax(T.REVERSE_CHARGE, Decimal(0), "")),
        (business("FR"), DIGITAL, False, LineTax(T.REVERSE_CHARGE, Decimal(0), "")),
        (business("FR"), PHYSICAL, True, LineTax(T.INTRA_COMMUNITY_SUPPLY, Decimal(0), "")),
        (business("FR"), PHYSICAL, False, LineTax(T.INTRA_COMMUNITY_SUPPLY, Decimal(0), "")),
        # EU consumer: digital and goods at the destination rate when OSS-registered
        (consumer("AT"), DIGITAL, True, LineTax(T.OSS, Decimal(20), "AT")),
        (consumer("NL"), PHYSICAL, True, LineTax(T.OSS, Decimal(21), "NL")),
        (consumer("HU"), DIGITAL, True, LineTax(T.OSS, Decimal(27), "HU")),
        (consumer("FI"), DIGITAL, True, LineTax(T.OSS, Decimal("25.5"), "FI")),
        (consumer("GR"), DIGITAL, True, LineTax(T.OSS, Decimal(24), "GR")),
        (consumer("AT"), DIGITAL, False, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        (consumer("NL"), PHYSICAL, False, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        # EU consumer, plain services: seller's place of business
        (consumer("AT"), SERVICE, True, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        (consumer("AT"), SERVICE, False, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        # EU business without VAT ID is treated like a consumer
        (business("FR", None), DIGITAL, True, LineTax(T.OSS, Decimal(20), "FR")),
        (business("FR", ""), PHYSICAL, True, LineTax(T.OSS, Decimal(20), "FR")),
        (business("FR", "   "), SERVICE, True, LineTax(T.DOMESTIC, Decimal(19), "DE")),
        # outside the EU
        (consumer("CH"), PHYSICAL, True, LineTax(T.EXPORT, Decimal(0), "")),
        (business("US"), PHYSICAL, True, LineTax(T.EXPORT, Decimal(0), "")),
        (business("CH", "CHE116281710"), SERVICE, True, LineTax(T.NOT_TAXABLE, Decimal(0), "")),
        (business("GB", None), DIGITAL, True, LineTax(T.NOT_TAXABLE, Decimal(0), "")),
        (consumer("US"), DIGITAL, True, LineTax(T.NOT_TAXABLE, Decimal(0), "")),
        (consumer("US"), SERVICE, True, LineTax(T.DOMESTIC, Decimal(19), "DE")),
    ],
)
def test_decision_table(buyer: Buyer, kind: ProductKind, oss: bool, expected: LineTax) -> None:
    seller = Seller("DE", oss_registered=oss)
    assert line_tax(seller, buyer, S, kind, ON) == expected


def test_reduced_category_at_the_destination() -> None:
    assert line_tax(DE, consumer("AT"), R, DIGITAL, ON) == LineTax(T.OSS, Decimal(10), "AT")
    assert line_tax(DE, consumer("FR"), R, PHYSICAL, ON) == LineTax(T.OSS, Decimal("5.5"), "FR")
    assert line_tax(DE, consumer("AT"), R, SERVICE, ON) == LineTax(T.DOMESTIC, Decimal(7), "DE")


def test_zero_category_keeps_the_treatment_at_zero_percent() -> None:
    assert line_tax(DE, consumer("DE"), Z, PHYSICAL, ON) == LineTax(T.DOMESTIC, Decimal(0), "DE")
    assert line_tax(DE, consumer("AT"), Z, DIGITAL, ON) == LineTax(T.OSS, Decimal(0), "AT")
    assert line_tax(DE, business("FR"), Z, SERVICE, ON).treatment is T.REVERSE_CHARGE
    assert line_tax(DE, consumer("CH"), Z, PHYSICAL, ON).treatment is T.EXPORT


def test_small_business_comes_first() -> None:
    seller = Seller("DE", small_business=True)
    for buyer in (consumer("DE"), business("FR"), consumer("US"), Buyer("DE", False, None, True)):
        for category in (S, R, X):
            result = line_tax(seller, buyer, category, DIGITAL, ON)
            assert result == LineTax(T.SMALL_BUSINESS, Decimal(0), "")


def test_exempt_product_or_customer() -> None:
    assert line_tax(DE, consumer("DE"), X, SERVICE, ON) == LineTax(T.EXEMPT, Decimal(0), "")
    assert line_tax(DE, business("FR"), X, PHYSICAL, ON).treatment is T.EXEMPT
    assert line_tax(DE, consumer("US"), X, PHYSICAL, ON).treatment is T.EXEMPT
    exempt_customer = Buyer("DE", is_business=True, vat_id="DE136695976", tax_exempt=True)
    assert line_tax(DE, exempt_customer, S, SERVICE, ON) == LineTax(T.EXEMPT, Decimal(0), "")


def test_other_home_countries() -> None:
    austrian = Seller("AT")
    assert line_tax(austrian, consumer("AT"), R, PHYSICAL, ON) == LineTax(
        T.DOMESTIC, Decimal(10), "AT"
    )
    assert line_tax(austrian, consumer("DE"), S, DIGITAL, ON) == LineTax(T.OSS, Decimal(19), "DE")
    assert line_tax(austrian, consumer("DE"), S, SERVICE, ON) == LineTax(
        T.DOMESTIC, Decimal(20), "AT"
    )


def test_countries_are_normalised() -> None:
    assert line_tax(Seller("de"), consumer(" at "), S, DIGITAL, ON) == LineTax(
        T.OSS, Decimal(20), "AT"
    )


def test_kinds_and_categories_may_be_given_by_value() -> None:
    result = line_tax(DE, consumer("AT"), TaxCategory("standard"), ProductKind("digital"), ON)
    assert result == LineTax(T.OSS, Decimal(20), "AT")


def test_home_rate() -> None:
    assert home_rate(DE, S, ON) == Decimal(19)
    assert home_rate(DE, R, ON) == Decimal(7)
    assert home_rate(DE, R, date(2020, 12, 1)) == Decimal(5)
    assert home_rate(Seller("FI"), S, ON) == Decimal("25.5")
    assert home_rate(DE, X, ON) == Decimal(0)


@pytest.mark.parametrize(
    ("seller", "buyer", "on", "message"),
    [
        (Seller("CH"), consumer("DE"), ON, "not an EU member state"),
        (Seller("EL"), consumer("DE"), ON, "'GR'"),
        (DE, consumer("EL"), ON, "'GR'"),
        (DE, business("XI"), ON, "'GB'"),
        (DE, consumer("Germany"), ON, "ISO 3166"),
        (DE, consumer(""), ON, "ISO 3166"),
        (DE, consumer("D1"), ON, "ISO 3166"),
        (DE, business("FR"), date(2019, 12, 31), "2020-01-01"),
        (Seller("DE", small_business=True), consumer("DE"), date(2019, 6, 1), "2020-01-01"),
    ],
)
def test_invalid_input_raises_value_error(
    seller: Seller, buyer: Buyer, on: date, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        line_tax(seller, buyer, S, SERVICE, on)


# --- properties -------------------------------------------------------------------------------

COUNTRIES = [*sorted(EU_MEMBER_STATES), "CH", "GB", "US", "NO", "JP"]


@given(
    seller_country=st.sampled_from(sorted(EU_MEMBER_STATES)),
    buyer_country=st.sampled_from(COUNTRIES),
    is_business=st.booleans(),
    vat_id=st.sampled_from([None, "", "XX123456789"]),
    tax_exempt=st.booleans(),
    small_business=st.booleans(),
    oss=st.booleans(),
    category=st.sampled_from(list(TaxCategory)),
    kind=st.sampled_from(list(ProductKind)),
    on=st.dates(min_value=TABLE_START, max_value=date(2030, 12, 31)),
)
def test_taxed_lines_carry_their_countrys_rate_and_untaxed_lines_nothing(
    seller_country: str,
    buyer_country: str,
    is_business: bool,
    vat_id: str | None,
    tax_exempt: bool,
    small_business: bool,
    oss: bool,
    category: TaxCategory,
    kind: ProductKind,
    on: date,
) -> None:
    seller = Seller(seller_country, small_business=small_business, oss_registered=oss)
    buyer = Buyer(buyer_country, is_business, vat_id, tax_exempt)
    result = line_tax(seller, buyer, category, kind, on)
    if result.treatment in TAXED_TREATMENTS:
        assert result.rate == vat_rate(result.country, category, on)
        expected_country = buyer_country if result.treatment is T.OSS else seller_country
        assert result.country == expected_country
        assert result.treatment is not T.OSS or buyer_country != seller_country
    else:
        assert result == LineTax(result.treatment, Decimal(0), "")
    if small_business:
        assert result.treatment is T.SMALL_BUSINESS
    elif tax_exempt or category is X:
        assert result.treatment is T.EXEMPT
    elif buyer_country == seller_country:
        assert result.treatment is T.DOMESTIC
    if result.treatment in (T.REVERSE_CHARGE, T.INTRA_COMMUNITY_SUPPLY):
        assert buyer_country in EU_MEMBER_STATES and is_business and vat_id


# --- notes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("treatment", "german", "english"),
    [
        (
            T.REVERSE_CHARGE,
            "Steuerschuldnerschaft des Leistungsempfängers",
            "Reverse charge: VAT is payable by the recipient of the service",
        ),
        (
            T.INTRA_COMMUNITY_SUPPLY,
            "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b i. V. m. § 6a UStG)",
            "VAT-exempt intra-Community supply of goods (Art. 138 Directive 2006/112/EC)",
        ),
        (
            T.EXPORT,
            "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a i. V. m. § 6 UStG)",
            "VAT-exempt export of goods (Art. 146 Directive 2006/112/EC)",
        ),
        (
            T.NOT_TAXABLE,
            "Nicht im Inland steuerbare Leistung",
            "Not subject to VAT in the EU: the place of supply is outside the EU",
        ),
        (
            T.SMALL_BUSINESS,
            "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.",
            "No VAT is charged: small business scheme under § 19 UStG.",
        ),
        (T.EXEMPT, "Steuerfreie Leistung", "VAT-exempt supply"),
    ],
)
def test_notes(treatment: TaxTreatment, german: str, english: str) -> None:
    assert note(treatment, "de") == german
    assert note(treatment, "en") == english
    assert note(treatment, " DE ") == german


def test_reverse_charge_note_contains_the_legal_wording() -> None:
    text = note(T.REVERSE_CHARGE, "de")
    assert text is not None
    assert "Steuerschuldnerschaft des Leistungsempfängers" in text


@pytest.mark.parametrize("treatment", [T.DOMESTIC, T.OSS])
def test_taxed_treatments_need_no_note(treatment: TaxTreatment) -> None:
    assert note(treatment, "de") is None
    assert note(treatment, "en", exempt_reason="§ 4 Nr. 21 UStG") is None


def test_every_untaxed_treatment_has_a_note_in_both_languages() -> None:
    for treatment in TaxTreatment:
        for locale in ("de", "en"):
            assert (note(treatment, locale) is None) is (treatment in TAXED_TREATMENTS)


def test_exempt_reason() -> None:
    assert note(T.EXEMPT, "de", "§ 4 Nr. 21 UStG") == "Steuerfreie Leistung (§ 4 Nr. 21 UStG)"
    assert note(T.EXEMPT, "en", "Art. 132(1)(i) VAT Directive") == (
        "VAT-exempt supply (Art. 132(1)(i) VAT Directive)"
    )
    assert note(T.EXEMPT, "de", "   ") == "Steuerfreie Leistung"
    assert note(T.EXEMPT, "de", None) == "Steuerfreie Leistung"
    # the reason belongs to exempt lines only
    assert note(T.REVERSE_CHARGE, "de", "§ 4 Nr. 21 UStG") == (
        "Steuerschuldnerschaft des Leistungsempfängers"
    )


def test_treatment_may_be_given_by_value() -> None:
    assert note(TaxTreatment("exempt"), "de", "§ 4 Nr. 14 UStG") == (
        "Steuerfreie Leistung (§ 4 Nr. 14 UStG)"
    )


@pytest.mark.parametrize("locale", ["fr", "", "de-DE", "english"])
def test_unsupported_locale_is_refused(locale: str) -> None:
    with pytest.raises(ValueError, match="locale"):
        note(T.REVERSE_CHARGE, locale)
