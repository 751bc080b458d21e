"""Double-entry bookings for billing documents. Every financial event is one transaction of
bookings; each booking debits one account and credits another with the same amount (a
*Buchungssatz*: debit account, credit account, amount, as DATEV's export books it), so every
transaction balances by construction. Reports and exports read the ledger.

Accounts: ``receivables`` (what customers owe), ``revenue:<treatment>:<country>:<rate>`` (net
revenue per tax situation), ``vat:<country>:<rate>`` (VAT owed to the tax office),
``customer_credit`` (credit balances the merchant owes customers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from turnus.domain.tax.totals import TaxGroup

RECEIVABLES = "receivables"
CUSTOMER_CREDIT = "customer_credit"


class Booking(NamedTuple):
    """``amount`` (minor units, positive) moves from ``credit`` to ``debit``: the debit
    account's balance (debits less credits) grows by it, the credit account's shrinks."""

    debit: str
    credit: str
    amount: int


def booking(debit: str, credit: str, amount: int) -> Booking | None:
    """``amount`` debited to ``debit`` and credited to ``credit``; a negative amount books the
    other way round; nothing for zero."""
    if amount > 0:
        return Booking(debit, credit, amount)
    if amount < 0:
        return Booking(credit, debit, -amount)
    return None


def revenue_account(group: TaxGroup) -> str:
    return f"revenue:{group.treatment.value}:{group.country or '-'}:{group.rate.normalize():f}"


def vat_account(group: TaxGroup) -> str:
    return f"vat:{group.country or '-'}:{group.rate.normalize():f}"


def document_bookings(
    groups: Iterable[TaxGroup], *, credit_applied: int = 0, to_credit_balance: int = 0
) -> list[Booking]:
    """An invoice (or, with negative groups, a credit): the customer owes the gross, the
    merchant earns the net and owes the tax, per tax group. ``credit_applied`` moves credit
    balance onto the receivable; ``to_credit_balance`` moves a negative receivable to the
    credit balance."""
    found = []
    for group in groups:
        found.append(booking(RECEIVABLES, revenue_account(group), group.net))
        found.append(booking(RECEIVABLES, vat_account(group), group.tax))
    found.append(booking(CUSTOMER_CREDIT, RECEIVABLES, credit_applied))
    found.append(booking(RECEIVABLES, CUSTOMER_CREDIT, to_credit_balance))
    return [b for b in found if b is not None]


def balance(bookings: Iterable[Booking], account: str) -> int:
    """Debits less credits of ``account``."""
    return sum(
        (b.amount if b.debit == account else 0) - (b.amount if b.credit == account else 0)
        for b in bookings
    )
