"""Double-entry postings for billing documents. Every financial event is one transaction whose
postings balance (debits equal credits); reports and exports read the ledger.

Accounts: ``receivables`` (what customers owe), ``revenue:<treatment>:<country>:<rate>`` (net
revenue per tax situation), ``vat:<country>:<rate>`` (VAT owed to the tax office),
``customer_credit`` (credit balances the merchant owes customers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from turnus.domain.tax.totals import TaxGroup

RECEIVABLES = "receivables"
CUSTOMER_CREDIT = "customer_credit"


@dataclass(frozen=True)
class Posting:
    account: str
    debit: int
    credit: int


def _signed(account: str, amount: int) -> Posting:
    """A debit for a positive amount, a credit for a negative one."""
    return Posting(account, max(amount, 0), max(-amount, 0))


def revenue_account(group: TaxGroup) -> str:
    return f"revenue:{group.treatment.value}:{group.country or '-'}:{group.rate.normalize():f}"


def vat_account(group: TaxGroup) -> str:
    return f"vat:{group.country or '-'}:{group.rate.normalize():f}"


def document_postings(
    groups: Iterable[TaxGroup], *, credit_applied: int = 0, to_credit_balance: int = 0
) -> list[Posting]:
    """An invoice (or, with negative groups, a credit): the customer owes the gross, the
    merchant earns the net and owes the tax. ``credit_applied`` moves credit balance onto the
    receivable; ``to_credit_balance`` moves a negative receivable to the credit balance."""
    postings: list[Posting] = []
    gross = 0
    for group in groups:
        gross += group.gross
        if group.net:
            postings.append(_signed(revenue_account(group), -group.net))
        if group.tax:
            postings.append(_signed(vat_account(group), -group.tax))
    if gross:
        postings.insert(0, _signed(RECEIVABLES, gross))
    if credit_applied:
        postings.append(_signed(CUSTOMER_CREDIT, credit_applied))
        postings.append(_signed(RECEIVABLES, -credit_applied))
    if to_credit_balance:
        postings.append(_signed(RECEIVABLES, to_credit_balance))
        postings.append(_signed(CUSTOMER_CREDIT, -to_credit_balance))
    check_balanced(postings)
    return postings


def check_balanced(postings: Iterable[Posting]) -> None:
    collected = list(postings)
    debit = sum(p.debit for p in collected)
    credit = sum(p.credit for p in collected)
    if debit != credit:
        raise ValueError(f"postings do not balance: debit {debit} != credit {credit}")
