"""Sample billing documents for the PDF and e-invoice tests: every tax situation, credit note,
cancellation invoice, direct debit and a public-sector buyer (XRechnung)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from turnus.documents.model import (
    BillingDocument,
    Branding,
    DirectDebit,
    Line,
    Party,
    Payment,
    TaxGroup,
)

SELLER = Party(
    name="Kaffeerösterei Beispiel GmbH",
    street="Rosenthaler Straße",
    house_number="40",
    postcode="10178",
    city="Berlin",
    country="DE",
    vat_id="DE136695976",
    tax_number="2181508150",
    email="abo@beispiel.invalid",
    phone="+49 30 1234567",
)
CONSUMER = Party(
    name="Erika Mustermann",
    street="Torstraße",
    house_number="12",
    postcode="10119",
    city="Berlin",
    country="DE",
    email="erika@example.com",
    customer_number="cus_01m8r1cz3few5b4bsx6fnjkffr",
)
BRANDING = Branding(
    sender_line="Kaffeerösterei Beispiel GmbH · Rosenthaler Straße 40 · 10178 Berlin",
    register_court="Amtsgericht Berlin-Charlottenburg",
    register_number="HRB 123456 B",
    managing_directors="Anna Beispiel, Jonas Muster",
    website="https://kaffee.example",
)
PAYMENT = Payment(
    due_date=date(2026, 12, 9),
    terms_days=14,
    iban="DE02120300000000202051",
    bic="BYLADEM1001",
    bank_name="Deutsche Kreditbank Berlin",
)


def domestic_invoice() -> BillingDocument:
    """Coffee at 7 % and a grinder at 19 %, prices net."""
    lines = (
        Line(
            1,
            "Kaffee-Abo Classic - monatlich",
            Decimal(1),
            1490,
            1490,
            "domestic",
            Decimal(7),
            "DE",
            date(2026, 11, 25),
            date(2026, 12, 24),
        ),
        Line(
            2,
            "Überraschungsbox",
            Decimal(2),
            1380,
            1380,
            "domestic",
            Decimal(7),
            "DE",
            date(2026, 11, 25),
            date(2026, 12, 24),
        ),
        Line(
            3,
            "Kaffeemühle",
            Decimal(1),
            4900,
            4900,
            "domestic",
            Decimal(19),
            "DE",
            date(2026, 11, 25),
            None,
        ),
    )
    groups = (
        TaxGroup("domestic", "DE", Decimal(19), 4900, 931, 5831),
        TaxGroup("domestic", "DE", Decimal(7), 2870, 201, 3071),
    )
    return BillingDocument(
        id="inv_01m8r1cz3few5b4bsx6fnjkff1",
        document_type="invoice",
        number="RE-2026-000042",
        issue_date=date(2026, 11, 25),
        currency="EUR",
        locale="de",
        seller=SELLER,
        buyer=CONSUMER,
        lines=lines,
        tax_groups=groups,
        net_total=7770,
        tax_total=1132,
        gross_total=8902,
        credit_applied=0,
        amount_due=8902,
        prices_include_tax=False,
        payment=PAYMENT,
        service_from=date(2026, 11, 25),
        service_until=date(2026, 12, 24),
        branding=BRANDING,
    )


def reverse_charge_invoice() -> BillingDocument:
    buyer = Party(
        name="Lumière SARL",
        street="Rue de Rivoli",
        house_number="10",
        postcode="75001",
        city="Paris",
        country="FR",
        vat_id="FR40303265045",
        email="compta@lumiere.invalid",
    )
    note = "Steuerschuldnerschaft des Leistungsempfängers"
    line = Line(
        1,
        "Cloud - monthly",
        Decimal(1),
        10000,
        10000,
        "reverse_charge",
        Decimal(0),
        "",
        date(2026, 11, 25),
        date(2026, 12, 24),
    )
    return replace(
        domestic_invoice(),
        locale="en",
        buyer=buyer,
        lines=(line,),
        tax_groups=(TaxGroup("reverse_charge", "", Decimal(0), 10000, 0, 10000, note),),
        net_total=10000,
        tax_total=0,
        gross_total=10000,
        amount_due=10000,
        notes=(note,),
    )


def oss_invoice() -> BillingDocument:
    buyer = replace(
        CONSUMER,
        name="Lukas Huber",
        street="Graben",
        house_number="1",
        postcode="1010",
        city="Wien",
        country="AT",
    )
    line = Line(
        1,
        "Cloud - monatlich",
        Decimal(1),
        10000,
        10000,
        "oss",
        Decimal(20),
        "AT",
        date(2026, 11, 25),
        date(2026, 12, 24),
    )
    return replace(
        domestic_invoice(),
        buyer=buyer,
        lines=(line,),
        tax_groups=(TaxGroup("oss", "AT", Decimal(20), 10000, 2000, 12000),),
        net_total=10000,
        tax_total=2000,
        gross_total=12000,
        amount_due=12000,
    )


def small_business_invoice() -> BillingDocument:
    note = "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."
    line = Line(
        1,
        "Kaffee-Abo - monatlich",
        Decimal(1),
        1490,
        1490,
        "small_business",
        Decimal(0),
        "",
        date(2026, 11, 25),
        date(2026, 12, 24),
    )
    return replace(
        domestic_invoice(),
        seller=replace(SELLER, vat_id=None),
        lines=(line,),
        tax_groups=(TaxGroup("small_business", "", Decimal(0), 1490, 0, 1490, note),),
        net_total=1490,
        tax_total=0,
        gross_total=1490,
        amount_due=1490,
        notes=(note,),
    )


def credit_note() -> BillingDocument:
    """A partial credit note for the grinder of the domestic invoice."""
    line = Line(
        1,
        "Kaffeemühle (Gutschrift)",
        Decimal(1),
        -4900,
        -4900,
        "domestic",
        Decimal(19),
        "DE",
        date(2026, 11, 25),
        None,
    )
    return replace(
        domestic_invoice(),
        id="inv_01m8r1cz3few5b4bsx6fnjkff2",
        document_type="credit_note",
        number="GS-2026-000007",
        lines=(line,),
        tax_groups=(TaxGroup("domestic", "DE", Decimal(19), -4900, -931, -5831),),
        net_total=-4900,
        tax_total=-931,
        gross_total=-5831,
        amount_due=0,
        corrects_number="RE-2026-000042",
        corrects_issue_date=date(2026, 11, 25),
        reason="Gerät defekt zurückgesandt",
    )


def cancellation_invoice() -> BillingDocument:
    """The Stornorechnung of the whole domestic invoice."""
    original = domestic_invoice()
    return replace(
        original,
        id="inv_01m8r1cz3few5b4bsx6fnjkff3",
        document_type="cancellation",
        number="ST-2026-000003",
        lines=tuple(
            replace(line, net_amount=-line.net_amount, amount=-line.amount)
            for line in original.lines
        ),
        tax_groups=tuple(
            replace(g, net=-g.net, tax=-g.tax, gross=-g.gross) for g in original.tax_groups
        ),
        net_total=-original.net_total,
        tax_total=-original.tax_total,
        gross_total=-original.gross_total,
        amount_due=0,
        corrects_number=original.number,
        corrects_issue_date=original.issue_date,
        reason="Falscher Tarif",
    )


def direct_debit_invoice() -> BillingDocument:
    return replace(
        domestic_invoice(),
        payment=replace(
            PAYMENT,
            direct_debit=DirectDebit(
                mandate_reference="MANDAT-2026-0001",
                creditor_id="DE98ZZZ09999999999",
                debtor_iban="DE89370400440532013000",
                debit_date=date(2026, 12, 2),
            ),
        ),
    )


def public_sector_invoice() -> BillingDocument:
    """For XRechnung: a public buyer with a Leitweg-ID."""
    buyer = Party(
        name="Bezirksamt Mitte von Berlin",
        street="Karl-Marx-Allee",
        house_number="31",
        postcode="10178",
        city="Berlin",
        country="DE",
        email="rechnung@ba-mitte.berlin.invalid",
        buyer_reference="991-03730-19",
    )
    return replace(domestic_invoice(), buyer=buyer)


ALL = {
    "domestic": domestic_invoice,
    "reverse_charge": reverse_charge_invoice,
    "oss": oss_invoice,
    "small_business": small_business_invoice,
    "credit_note": credit_note,
    "cancellation": cancellation_invoice,
    "direct_debit": direct_debit_invoice,
    "public_sector": public_sector_invoice,
}
