"""Building invoice documents in memory: lines with their tax, totals, and finalization
(number, seller and buyer as printed, due date, credit balance, ledger bookings).

Everything here works on plain row dicts so a billing run can build thousands of documents and
write them with bulk inserts; single-document operations use the same functions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from turnus.domain.billing import ledger
from turnus.domain.billing.document import Totals, billed_amount, totals
from turnus.domain.billing.model import NewItem
from turnus.domain.billing.numbering import NumberFormat
from turnus.domain.billing.settings import BillingSettings, NegativeInvoices
from turnus.domain.customer import CustomerKind, name_of
from turnus.domain.errors import Conflict
from turnus.domain.tax.rules import Buyer, LineTax, Seller, TaxTreatment, home_rate, line_tax
from turnus.domain.tax.totals import TaxGroup
from turnus.services.billing.shared_docs import SharedDict, SharedList
from turnus.services.serialize import jsonable
from turnus.store.ids import new_id, new_ids


def seller_of(tenant: dict[str, Any], settings: BillingSettings) -> Seller:
    return Seller(
        country=tenant["country"],
        small_business=settings.small_business,
        oss_registered=settings.oss_registered,
    )


def buyer_of(customer: dict[str, Any]) -> Buyer:
    return Buyer(
        country=customer["billing_address"]["country"],
        is_business=customer["tax_status"] == "business",
        vat_id=customer["vat_id"],
        tax_exempt=bool(customer["tax_exempt"]),
    )


# The tax of a line depends on a handful of values that repeat across a billing run's thousands
# of lines (seller, buyer situation, category, kind, day): remembered, like invoice totals and
# ledger bookings of equal inputs.
_line_tax = lru_cache(maxsize=4096)(line_tax)
_home_rate = lru_cache(maxsize=1024)(home_rate)


def item_row(
    invoice_id: str,
    position: int,
    contract_id: str | None,
    item: NewItem,
    seller: Seller,
    buyer: Buyer,
    settings: BillingSettings,
    item_id: str | None = None,
) -> dict[str, Any]:
    on = item.service_from or item.due
    taxed = _line_tax(seller, buyer, item.tax.tax_category, item.tax.product_kind, on)
    amount = billed_amount(
        item.amount,
        taxed,
        _home_rate(seller, item.tax.tax_category, on),
        settings.prices_include_tax,
    )
    return {
        "id": item_id or new_id("ili"),
        "invoice_id": invoice_id,
        "position": position,
        "contract_id": contract_id,
        "kind": item.key.kind.value,
        "ref_id": item.key.ref_id,
        "period_start": item.key.period_start if contract_id else None,
        "seq": item.seq if contract_id else None,
        "description": item.description[:300],
        "quantity": item.quantity,
        "amount": amount,
        "tax_category": item.tax.tax_category.value,
        "tax_treatment": taxed.treatment.value,
        "tax_rate": taxed.rate,
        "service_from": item.service_from,
        "service_until": item.service_until,
        "data": _item_data(item.correction, item.amount, taxed.country),
    }


@lru_cache(maxsize=4096)
def _item_data(correction: bool, catalog_amount: int, tax_country: str) -> SharedDict:
    """An item's ``data`` document, one object for equal values (``shared_docs``)."""
    return SharedDict(correction=correction, catalog_amount=catalog_amount, tax_country=tax_country)


def line_tax_of(item: dict[str, Any]) -> LineTax:
    return LineTax(
        TaxTreatment(item["tax_treatment"]),
        Decimal(item["tax_rate"]),
        str(item["data"].get("tax_country", "")),
    )


class _Documented(NamedTuple):
    """Totals with the invoice's tax breakdown and notes as documents (``shared_docs``)."""

    totals: Totals
    breakdown: SharedList
    notes: SharedList


def _documented(result: Totals) -> _Documented:
    breakdown = SharedList(SharedDict(_group_doc(g)) for g in result.groups)
    return _Documented(result, breakdown, SharedList(result.notes))


_TOTALS_CACHE_SIZE = 4096
_totals_cache: dict[tuple[Any, ...], _Documented] = {}


def _totals_of(
    items: Sequence[dict[str, Any]], prices_include_tax: bool, locale: str
) -> _Documented:
    """``totals`` of the items, remembered by what it reads of them (in order: the notes follow
    the order of the lines), so that equal invoices share their breakdown and notes. Items with
    other than plain int amounts are not remembered, so they fail (or not) exactly as
    before."""
    key: tuple[Any, ...] | None = (prices_include_tax, locale)
    parts: list[Any] = []
    for i in items:
        amount = i["amount"]
        if type(amount) is not int:
            key = None
            break
        parts.append((i["tax_treatment"], i["tax_rate"], i["data"].get("tax_country", ""), amount))
    if key is not None:
        key = (*key, *parts)
        found = _totals_cache.get(key)
        if found is not None:
            return found
    result = _documented(
        totals(((line_tax_of(i), i["amount"]) for i in items), prices_include_tax, locale)
    )
    if key is not None:
        if len(_totals_cache) >= _TOTALS_CACHE_SIZE:
            _totals_cache.clear()
        _totals_cache[key] = result
    return result


def apply_totals(invoice: dict[str, Any], items: Sequence[dict[str, Any]], locale: str) -> None:
    """Fill the invoice's totals, tax breakdown and notes from its items."""
    documented = _totals_of(items, invoice["prices_include_tax"], locale)
    result = documented.totals
    invoice["net_total"] = result.net
    invoice["tax_total"] = result.tax
    invoice["gross_total"] = result.gross
    invoice["amount_due"] = max(result.gross - invoice["credit_applied"], 0)
    invoice["tax_breakdown"] = documented.breakdown
    invoice["notes"] = documented.notes
    froms = [i["service_from"] for i in items if i["service_from"] is not None]
    untils = [i["service_until"] or i["service_from"] for i in items if i["service_from"]]
    invoice["service_from"] = min(froms) if froms else None
    invoice["service_until"] = max(untils) if untils else None


def _group_doc(group: TaxGroup) -> dict[str, Any]:
    return {
        "treatment": group.treatment.value,
        "country": group.country,
        "rate": format(group.rate.normalize(), "f"),
        "net": group.net,
        "tax": group.tax,
        "gross": group.gross,
    }


def groups_of(invoice: dict[str, Any]) -> list[TaxGroup]:
    return [
        TaxGroup(
            TaxTreatment(g["treatment"]),
            g["country"],
            Decimal(g["rate"]),
            g["net"],
            g["tax"],
            g["gross"],
        )
        for g in invoice["tax_breakdown"]
    ]


@lru_cache(maxsize=256)
def _days_after(day: date, days: int) -> date:
    """``day`` plus ``days``, one object for equal arguments: a billing run's documents share
    their dates, and a shared object is bound (and sent between processes) once."""
    return day + timedelta(days=days)


def new_invoice(
    customer_id: str,
    currency: str,
    billing_date: date,
    settings: BillingSettings,
    now: Any,
    run_id: str | None,
    document_type: str = "invoice",
    invoice_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": invoice_id or new_id("inv"),
        "customer_id": customer_id,
        "currency": currency,
        "document_type": document_type,
        "state": "draft",
        "number": None,
        "billing_date": billing_date,
        "finalize_on": _days_after(billing_date, settings.draft_grace_days),
        "issue_date": None,
        "due_date": None,
        "service_from": None,
        "service_until": None,
        "corrects_id": None,
        "reason": None,
        "prices_include_tax": settings.prices_include_tax,
        "seller": None,
        "buyer": None,
        "notes": [],
        "tax_breakdown": [],
        "net_total": 0,
        "tax_total": 0,
        "gross_total": 0,
        "credit_applied": 0,
        "amount_due": 0,
        "run_id": run_id,
        "created_at": now,
        "updated_at": now,
        "finalized_at": None,
        "paid_at": None,
        "voided_at": None,
    }


def seller_doc(tenant: dict[str, Any], settings: BillingSettings) -> dict[str, Any]:
    return {
        "name": tenant["company_name"],
        "street": tenant["street"],
        "house_number": tenant["house_number"],
        "postcode": tenant["postcode"],
        "city": tenant["city"],
        "country": tenant["country"],
        "vat_id": tenant["vat_id"],
        "tax_number": tenant["tax_number"],
        "email": tenant["email"],
        "small_business": settings.small_business,
    }


def buyer_doc(customer: dict[str, Any]) -> dict[str, Any]:
    """The buyer as the document shows it (JSON-safe). Reads the customer columns id, kind,
    company_name, first_name, last_name, billing_address, vat_id, email, tax_status and
    buyer_reference (the Leitweg-ID a public-sector buyer's e-invoice must carry)."""
    name = name_of(
        CustomerKind(customer["kind"]),
        customer["company_name"],
        customer["first_name"],
        customer["last_name"],
    )
    return {
        "customer_id": jsonable(customer["id"]),
        "name": name,
        # a JSON column's document (flat, JSON-safe as read): copied, not converted
        "address": dict(customer["billing_address"]),
        "vat_id": jsonable(customer["vat_id"]),
        "email": jsonable(customer["email"]),
        "tax_status": jsonable(customer["tax_status"]),
        "buyer_reference": customer.get("buyer_reference"),
    }


@dataclass
class Finalization:
    """What finalizing a set of documents writes besides the documents themselves. The
    documents are numbered last (``take_numbers``): a number series stays locked from its
    allocation until the transaction ends, so everything else is done before."""

    documents: Sequence[dict[str, Any]]
    balance_entries: list[dict[str, Any]]
    ledger_rows: list[dict[str, Any]]

    def take_numbers(
        self,
        numbers: Callable[[str, NumberFormat, date, int], list[str]],
        settings: BillingSettings,
    ) -> None:
        """Number the documents from ``numbers(series, format, issue_date, count)``, in their
        order within each series (the series' locks are taken in the order of first use), and
        write each number into the memo of the document's ledger bookings."""
        by_series: dict[str, list[dict[str, Any]]] = {}
        for document in self.documents:
            by_series.setdefault(document["document_type"], []).append(document)
        numbered: dict[str, str] = {}
        for series, documents in by_series.items():
            number_format = NumberFormat(getattr(settings, SERIES_FORMAT[series]))
            issue_date = documents[0]["issue_date"]
            allocated = numbers(series, number_format, issue_date, len(documents))
            for document, number in zip(documents, allocated, strict=True):
                document["number"] = numbered[document["id"]] = number
        for row in self.ledger_rows:
            row["memo"] = numbered[row["document_id"]]


SERIES_FORMAT = {
    "invoice": "invoice_number_format",
    "credit_note": "credit_note_number_format",
    "cancellation": "cancellation_number_format",
}


def amount_due_at_issue(document_type: str, gross: int, credit_applied: int) -> int:
    """What an issued document asks the customer to pay: an invoice its gross less the credit
    balance applied, a credit note or cancellation invoice nothing."""
    return max(gross - credit_applied, 0) if document_type == "invoice" else 0


def finalize_in_memory(
    invoices: Sequence[dict[str, Any]],
    *,
    issue_date: date,
    now: Any,
    settings: BillingSettings,
    tenant: dict[str, Any],
    customers: dict[str, dict[str, Any]],
    balances: dict[tuple[str, str], int],
) -> Finalization:
    """Finalize drafts (totals already applied): decide invoice or credit note, apply or grant
    credit balance, snapshot seller and buyer, set the due date and build the ledger bookings.
    ``balances`` (customer, currency) -> available credit is updated in place. The documents
    get their numbers from the result's ``take_numbers``, which the caller calls last."""
    if not (tenant["vat_id"] or tenant["tax_number"]):
        raise Conflict(
            "An invoice must show the merchant's tax number or VAT ID (§ 14 UStG); "
            "add one to the merchant's profile (PATCH /v1/tenant) before invoices are issued."
        )
    entries: list[dict[str, Any]] = []
    transactions: list[tuple[dict[str, Any], list[ledger.Booking]]] = []
    credit_notes = settings.negative_invoices is NegativeInvoices.CREDIT_NOTE
    for invoice in invoices:
        if credit_notes and invoice["gross_total"] < 0 and invoice["document_type"] == "invoice":
            invoice["document_type"] = "credit_note"
    seller = seller_doc(tenant, settings)
    for invoice in invoices:
        key = (invoice["customer_id"], invoice["currency"])
        gross = invoice["gross_total"]
        applied = 0
        to_balance = 0
        if invoice["document_type"] == "invoice" and gross > 0:
            applied = min(balances.get(key, 0), gross)
        elif invoice["document_type"] == "invoice" and gross < 0:
            to_balance = -gross
        if applied:
            balances[key] = balances.get(key, 0) - applied
            entries.append(balance_entry(invoice, -applied, "applied to invoice", now))
        if to_balance:
            balances[key] = balances.get(key, 0) + to_balance
            entries.append(balance_entry(invoice, to_balance, "credit from invoice", now))
        invoice["credit_applied"] = applied
        invoice["amount_due"] = amount_due_at_issue(invoice["document_type"], gross, applied)
        invoice["issue_date"] = issue_date
        invoice["due_date"] = _days_after(issue_date, settings.payment_terms_days)
        invoice["seller"] = seller
        invoice["buyer"] = buyer_doc(customers[invoice["customer_id"]])
        invoice["state"] = "paid" if invoice["amount_due"] == 0 and gross >= 0 else "open"
        if invoice["document_type"] != "invoice":
            invoice["state"] = "open" if gross != 0 else "paid"
        invoice["finalized_at"] = now
        invoice["updated_at"] = now
        if invoice["state"] == "paid":
            invoice["paid_at"] = now
        transactions.append((invoice, _bookings(invoice, applied, to_balance)))
    # the ids of all the bookings at once (one visit of the id source, not one per document)
    transaction_ids = new_ids("ltx", len(transactions))
    entry_ids = iter(new_ids("led", sum(len(b) for _, b in transactions)))
    rows: list[dict[str, Any]] = []
    for (invoice, bookings), transaction_id in zip(transactions, transaction_ids, strict=True):
        rows += ledger_rows(
            invoice,
            bookings,
            posted_on=issue_date,
            now=now,
            transaction_id=transaction_id,
            entry_ids=entry_ids,
        )
    return Finalization(invoices, entries, rows)


def ledger_rows(
    document: dict[str, Any],
    bookings: Iterable[ledger.Booking],
    *,
    posted_on: date,
    now: Any,
    transaction_id: str | None = None,
    entry_ids: Iterator[str] | None = None,
) -> list[dict[str, Any]]:
    """The ``ledger_entries`` rows of one transaction about ``document``, a booking each; their
    ids from ``entry_ids`` (of ``new_ids``) if given."""
    transaction = transaction_id or new_id("ltx")
    bookings = list(bookings)
    if entry_ids is None:
        entry_ids = iter(new_ids("led", len(bookings)))
    return [
        {
            "id": next(entry_ids),
            "transaction_id": transaction,
            "posted_on": posted_on,
            "debit_account": booking.debit,
            "credit_account": booking.credit,
            "amount": booking.amount,
            "currency": document["currency"],
            "customer_id": document["customer_id"],
            "document_type": document["document_type"],
            "document_id": document["id"],
            "memo": document["number"] or "",
            "created_at": now,
        }
        for booking in bookings
    ]


_bookings_cache: dict[tuple[Any, ...], list[ledger.Booking]] = {}


def _bookings(invoice: dict[str, Any], applied: int, to_balance: int) -> list[ledger.Booking]:
    """The ledger bookings of a finalized document, remembered by its tax breakdown."""
    breakdown = tuple(
        (g["treatment"], g["country"], g["rate"], g["net"], g["tax"], g["gross"])
        for g in invoice["tax_breakdown"]
    )
    key = (breakdown, applied, to_balance)
    found = _bookings_cache.get(key)
    if found is None:
        found = ledger.document_bookings(
            groups_of(invoice), credit_applied=applied, to_credit_balance=to_balance
        )
        if len(_bookings_cache) >= _TOTALS_CACHE_SIZE:
            _bookings_cache.clear()
        _bookings_cache[key] = found
    return found


def balance_entry(document: dict[str, Any], amount: int, reason: str, now: Any) -> dict[str, Any]:
    """A ``credit_balance_entries`` row: credit granted (positive) or used (negative)."""
    return {
        "id": new_id("cbe"),
        "customer_id": document["customer_id"],
        "currency": document["currency"],
        "amount": amount,
        "invoice_id": document["id"],
        "reason": reason[:200],
        "created_at": now,
    }
