"""Ledger bookings: each debits one account and credits another with a positive amount, so
every transaction balances; a document's bookings put its gross on receivables, its net on
revenue and its tax on VAT, per tax group."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.billing.ledger import (
    CUSTOMER_CREDIT,
    RECEIVABLES,
    Booking,
    balance,
    booking,
    document_bookings,
)
from turnus.domain.tax.rules import TaxTreatment
from turnus.domain.tax.totals import TaxGroup

REVENUE_DE = "revenue:domestic:DE:19"
VAT_DE = "vat:DE:19"


def _group(net: int, tax: int, rate: str = "19", country: str = "DE") -> TaxGroup:
    return TaxGroup(TaxTreatment.DOMESTIC, country, Decimal(rate), net, tax, net + tax)


def test_an_invoice_books_net_and_tax_against_receivables() -> None:
    assert document_bookings([_group(10000, 1900)]) == [
        Booking(RECEIVABLES, REVENUE_DE, 10000),
        Booking(RECEIVABLES, VAT_DE, 1900),
    ]
    reverse_charge = TaxGroup(TaxTreatment.REVERSE_CHARGE, "FR", Decimal(0), 5000, 0, 5000)
    assert document_bookings([reverse_charge]) == [
        Booking(RECEIVABLES, "revenue:reverse_charge:FR:0", 5000)
    ]


def test_a_credit_books_the_other_way_and_moves_credit_balance() -> None:
    assert document_bookings([_group(-500, -95)], to_credit_balance=595) == [
        Booking(REVENUE_DE, RECEIVABLES, 500),
        Booking(VAT_DE, RECEIVABLES, 95),
        Booking(RECEIVABLES, CUSTOMER_CREDIT, 595),
    ]
    assert document_bookings([_group(1000, 190)], credit_applied=300)[-1] == Booking(
        CUSTOMER_CREDIT, RECEIVABLES, 300
    )


def test_a_booking_of_nothing_is_none_and_a_negative_one_is_turned_round() -> None:
    assert booking("bank", RECEIVABLES, 0) is None
    assert booking("bank", RECEIVABLES, -250) == Booking(RECEIVABLES, "bank", 250)
    assert balance([Booking("bank", RECEIVABLES, 250)], "bank") == 250
    assert balance([Booking("bank", RECEIVABLES, 250)], RECEIVABLES) == -250


amounts = st.integers(min_value=-(10**9), max_value=10**9)


@given(
    st.lists(
        st.tuples(
            amounts, amounts, st.sampled_from(["0", "7", "19", "20"]), st.sampled_from(["DE", "AT"])
        ),
        max_size=4,
        unique_by=lambda g: (g[2], g[3]),
    ),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
)
def test_bookings_balance_and_carry_the_documents_amounts(
    raw: list[tuple[int, int, str, str]], applied: int, to_balance: int
) -> None:
    groups = [_group(net, tax, rate, country) for net, tax, rate, country in raw]
    found = document_bookings(groups, credit_applied=applied, to_credit_balance=to_balance)
    assert all(b.amount > 0 and b.debit != b.credit for b in found)
    accounts = {b.debit for b in found} | {b.credit for b in found}
    assert sum(balance(found, account) for account in accounts) == 0  # balanced
    gross = sum(g.gross for g in groups)
    assert balance(found, RECEIVABLES) == gross - applied + to_balance
    assert balance(found, CUSTOMER_CREDIT) == applied - to_balance
    for g in groups:
        assert balance(found, f"vat:{g.country}:{g.rate}") == -g.tax
        assert balance(found, f"revenue:domestic:{g.country}:{g.rate}") == -g.net
