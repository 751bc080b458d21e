"""Invoice documents after the billing run: search, editing drafts, finalization, corrections
(credit notes, cancellations) and the payment state.

The life of an invoice::

    draft --finalize--> open (or paid, when credit balance covers it)
    draft --delete----> gone; the next billing run bills its contract items again
    open  --mark_paid / mark_uncollectible--> paid / uncollectible
    open  --void--> void, with a cancellation document (Stornorechnung) and optionally a
                    corrected draft
    open | paid --credit note--> amount_due reduced (open) or customer credit balance (paid)

A finalized document is never changed again (GoBD): only its payment state, its amount due and
``voided_at`` move. Corrections are documents of their own, finalized at once, numbered in
their own series, referencing the original (``corrects_id``), and settled when issued (state
``paid``, nothing due): a credit note's amount reduces the original's amount due, a
cancellation cancels it. Items of correction documents and of corrected drafts carry no
contract, so the billing engine never reads them as billed contract lines.

Everything runs in the caller's unit of work: a refused request writes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_

from turnus.domain.billing import ledger
from turnus.domain.billing.model import LineKey, LineKind, NewItem, Taxable
from turnus.domain.billing.settings import BillingSettings
from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.domain.errors import Conflict, FieldError, ValidationFailed
from turnus.domain.money import round_half_up
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit, customers, tenants
from turnus.services.billing import numbering
from turnus.services.billing import settings as billing_settings
from turnus.services.billing.documents import (
    apply_totals,
    buyer_of,
    finalize_in_memory,
    item_row,
    line_tax_of,
    new_invoice,
    seller_of,
)
from turnus.services.billing.run import credit_balances
from turnus.services.context import TenantContext
from turnus.services.mail import hooks as mail_hooks
from turnus.store.billing_tables import (
    credit_balance_entries,
    invoice_items,
    invoices,
    ledger_entries,
)
from turnus.store.contract_tables import contracts
from turnus.store.ids import new_id

BANK = "bank"
BAD_DEBT = "bad_debt"
MANUAL_KIND = "manual"
DISCOUNT_KIND = LineKind.DISCOUNT.value
# invoice columns are 32-bit integers on PostgreSQL; stay well inside them
MAX_LINE_AMOUNT = 1_000_000_000
MAX_TOTAL = 2_000_000_000

_LABELS = {"invoice": "Invoice", "credit_note": "Credit note", "cancellation": "Cancellation"}
_KEEP = frozenset({"tenant_id", "id", "items", "totals"})


# -- reading ---------------------------------------------------------------------------------


def list_invoices(
    ctx: TenantContext,
    page: PageRequest,
    *,
    customer_id: str | None = None,
    contract_id: str | None = None,
    state: str | None = None,
    document_type: str | None = None,
    number: str | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    billing_date: date | None = None,
) -> Page[dict[str, Any]]:
    """Documents newest first. ``contract_id``: invoices with an item of the contract, and the
    credit notes, cancellations and corrected drafts that reference them."""
    c = invoices.c
    criteria: list[ColumnElement[bool]] = []
    if customer_id is not None:
        criteria.append(c.customer_id == customer_id)
    if contract_id is not None:
        billed = ctx.scope.select(invoice_items, invoice_items.c.invoice_id).where(
            invoice_items.c.contract_id == contract_id
        )
        criteria.append(or_(c.id.in_(billed), c.corrects_id.in_(billed)))
    if state is not None:
        criteria.append(c.state == state)
    if document_type is not None:
        criteria.append(c.document_type == document_type)
    if number is not None:
        criteria.append(c.number == number.strip())
    if issued_from is not None:
        criteria.append(c.issue_date >= issued_from)
    if issued_to is not None:
        criteria.append(c.issue_date <= issued_to)
    if billing_date is not None:
        criteria.append(c.billing_date == billing_date)
    result = ctx.scope.page(invoices, page, *criteria)
    return Page(data=_views(ctx, result.data), has_more=result.has_more)


def get_invoice(ctx: TenantContext, invoice_id: str) -> dict[str, Any]:
    """The document with its items in position order (404 for another merchant's)."""
    return _views(ctx, [ctx.scope.get(invoices, invoice_id, what="invoice")])[0]


def credit_balance(ctx: TenantContext, customer_id: str) -> list[dict[str, Any]]:
    """The customer's credit balance per currency (only currencies with entries)."""
    customers.get_customer(ctx, customer_id)
    balances = credit_balances(ctx, [customer_id])
    return [
        {"currency": currency, "amount": amount}
        for (_, currency), amount in sorted(balances.items())
    ]


def _views(ctx: TenantContext, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    items = _items_of(ctx, ids)
    credited = _credited(ctx, [row["id"] for row in rows if row["document_type"] == "invoice"])
    views = []
    for row in rows:
        view = {k: v for k, v in row.items() if k != "tenant_id"}
        view["totals"] = {
            "net": row["net_total"],
            "tax": row["tax_total"],
            "gross": row["gross_total"],
        }
        view["items"] = [_item_view(i, credited) for i in items.get(row["id"], [])]
        views.append(view)
    return views


def _item_view(item: dict[str, Any], credited: dict[str, int]) -> dict[str, Any]:
    data = item["data"] or {}
    view = {k: v for k, v in item.items() if k != "tenant_id"}
    view["tax_rate"] = format(Decimal(item["tax_rate"]).normalize(), "f")
    view["credited"] = credited.get(item["id"], 0)
    view["corrects_item_id"] = data.get("credits_item_id") or data.get("cancels_item_id")
    return view


def _items_of(ctx: TenantContext, invoice_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    if not invoice_ids:
        return {}
    c = invoice_items.c
    statement = (
        ctx.scope.select(invoice_items)
        .where(c.invoice_id.in_(invoice_ids))
        .order_by(c.invoice_id, c.position)
    )
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ctx.scope.rows(statement):
        result[row["invoice_id"]].append(row)
    return result


def _credited(ctx: TenantContext, invoice_ids: Sequence[str]) -> dict[str, int]:
    """Per item of the given invoices, the amount its credit notes credited (positive)."""
    if not invoice_ids:
        return {}
    notes = ctx.scope.select(invoices, invoices.c.id).where(
        invoices.c.corrects_id.in_(invoice_ids), invoices.c.document_type == "credit_note"
    )
    statement = ctx.scope.select(invoice_items).where(invoice_items.c.invoice_id.in_(notes))
    sums: dict[str, int] = defaultdict(int)
    for row in ctx.scope.rows(statement):
        credited_item = (row["data"] or {}).get("credits_item_id")
        if credited_item:
            sums[credited_item] -= row["amount"]
    return dict(sums)


# -- shared helpers ----------------------------------------------------------------------------


def _label(invoice: dict[str, Any]) -> str:
    kind = _LABELS.get(invoice["document_type"], "Document")
    return f"{kind} {invoice['number'] or invoice['id']}"


def _lock(ctx: TenantContext, invoice_id: str) -> dict[str, Any]:
    return ctx.scope.get(invoices, invoice_id, what="invoice", for_update=True)


def _draft(ctx: TenantContext, invoice_id: str) -> dict[str, Any]:
    invoice = _lock(ctx, invoice_id)
    if invoice["state"] != "draft":
        raise Conflict(
            f"{_label(invoice)} is {invoice['state']}; only drafts can be edited. A finalized "
            "document is immutable: issue a credit note or void it instead."
        )
    return invoice


def _summary(invoice: dict[str, Any]) -> dict[str, Any]:
    return {
        name: invoice.get(name)
        for name in (
            "document_type",
            "state",
            "number",
            "customer_id",
            "currency",
            "net_total",
            "tax_total",
            "gross_total",
            "credit_applied",
            "amount_due",
            "corrects_id",
            "reason",
        )
    }


def _record(
    ctx: TenantContext,
    invoice: dict[str, Any],
    action: str,
    before: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    audit.record(
        ctx,
        object_type="invoice",
        object_id=invoice["id"],
        action=action,
        before=before,
        after={**_summary(invoice), **extra},
    )


def _save(ctx: TenantContext, invoice: dict[str, Any]) -> None:
    ctx.scope.update(invoices, invoice["id"], {k: v for k, v in invoice.items() if k not in _KEEP})


def _customer(ctx: TenantContext, invoice: dict[str, Any]) -> dict[str, Any]:
    return customers.get_customer(ctx, invoice["customer_id"])


def _check_totals(invoice: dict[str, Any], pointer: str) -> None:
    if max(abs(invoice["net_total"]), abs(invoice["gross_total"])) > MAX_TOTAL:
        raise ValidationFailed.field(
            pointer, f"would take the document's total beyond {MAX_TOTAL} minor units"
        )


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed.field("/reason", "is required: say why the document is corrected")
    if len(text) > 500:
        raise ValidationFailed.field("/reason", "must be at most 500 characters")
    return text


def _numbers(ctx: TenantContext) -> Any:
    def allocate(series: str, number_format: Any, issued_on: date, count: int) -> list[str]:
        return numbering.allocate(ctx, series, number_format, issued_on, count)

    return allocate


def _ledger_rows(
    ctx: TenantContext,
    document: dict[str, Any],
    postings: Iterable[ledger.Posting],
    *,
    transaction_id: str | None = None,
    posted_on: date | None = None,
) -> list[dict[str, Any]]:
    """Rows of one ledger transaction about ``document`` (postings checked to balance)."""
    collected = list(postings)
    ledger.check_balanced(collected)
    transaction = transaction_id or new_id("ltx")
    now = ctx.now()
    return [
        {
            "id": new_id("led"),
            "transaction_id": transaction,
            "posted_on": posted_on or ctx.today(),
            "account": p.account,
            "debit": p.debit,
            "credit": p.credit,
            "currency": document["currency"],
            "customer_id": document["customer_id"],
            "document_type": document["document_type"],
            "document_id": document["id"],
            "memo": document["number"] or "",
            "created_at": now,
        }
        for p in collected
    ]


def _balance_entry(
    ctx: TenantContext, document: dict[str, Any], amount: int, reason: str
) -> dict[str, Any]:
    return {
        "id": new_id("cbe"),
        "customer_id": document["customer_id"],
        "currency": document["currency"],
        "amount": amount,
        "invoice_id": document["id"],
        "reason": reason[:200],
        "created_at": ctx.now(),
    }


@dataclass
class _Finalizing:
    settings: BillingSettings
    tenant: dict[str, Any]

    @classmethod
    def load(cls, ctx: TenantContext) -> _Finalizing:
        return cls(billing_settings.get(ctx), tenants.get_tenant(ctx.uow, ctx.tenant_id))


# -- editing drafts --------------------------------------------------------------------------


def _next_position(ctx: TenantContext, invoice_id: str) -> int:
    items = _items_of(ctx, [invoice_id]).get(invoice_id, [])
    return max((i["position"] for i in items), default=0) + 1


def _retotal(
    ctx: TenantContext,
    invoice: dict[str, Any],
    customer: dict[str, Any],
    new_rows: Sequence[dict[str, Any]],
    pointer: str,
) -> None:
    items = _items_of(ctx, [invoice["id"]]).get(invoice["id"], [])
    apply_totals(invoice, [*items, *new_rows], customer["locale"])
    _check_totals(invoice, pointer)
    invoice["updated_at"] = ctx.now()


def add_line(
    ctx: TenantContext,
    invoice_id: str,
    *,
    description: str,
    quantity: Decimal = Decimal(1),
    unit_amount: int | None = None,
    amount: int | None = None,
    tax_category: str = "standard",
    product_kind: str = "service",
    service_from: date | None = None,
    service_until: date | None = None,
) -> dict[str, Any]:
    """Add a line typed in by the merchant to a draft. The amount is in the draft's price mode
    (net, or gross when prices include tax), taxed like a catalog line of the same category
    and kind for this customer."""
    invoice = _draft(ctx, invoice_id)
    before = _summary(invoice)
    text = (description or "").strip()
    if not text:
        raise ValidationFailed.field("/description", "must not be empty")
    if quantity <= 0:
        raise ValidationFailed.field("/quantity", "must be positive")
    if (unit_amount is None) == (amount is None):
        raise ValidationFailed.field("/amount", "give either unit_amount or amount")
    pointer = "/amount" if amount is not None else "/unit_amount"
    total = amount if amount is not None else round_half_up(Decimal(unit_amount or 0) * quantity)
    if total == 0:
        raise ValidationFailed.field(pointer, "the line amount must not be zero")
    if abs(total) > MAX_LINE_AMOUNT:
        raise ValidationFailed.field(pointer, f"must be at most {MAX_LINE_AMOUNT} minor units")
    if service_until is not None and service_from is None:
        raise ValidationFailed.field("/service_from", "is required with service_until")
    if service_from is not None and service_until is not None and service_until <= service_from:
        raise ValidationFailed.field(
            "/service_until", "must be after service_from (it is the first day not served)"
        )
    finalizing = _Finalizing.load(ctx)
    customer = _customer(ctx, invoice)
    item = NewItem(
        key=LineKey(LineKind.ONE_TIME, MANUAL_KIND, service_from or invoice["billing_date"]),
        seq=0,
        amount=total,
        quantity=quantity,
        description=text,
        service_from=service_from,
        service_until=service_until,
        tax=Taxable(TaxCategory(tax_category), ProductKind(product_kind)),
        due=invoice["billing_date"],
        correction=False,
    )
    try:
        row = item_row(
            invoice["id"],
            _next_position(ctx, invoice["id"]),
            None,
            item,
            seller_of(finalizing.tenant, finalizing.settings),
            buyer_of(customer),
            finalizing.settings,
        )
    except ValueError as exc:  # no VAT rate for the date, or a customer country we cannot tax
        if service_from is not None:
            raise ValidationFailed.field("/service_from", str(exc)) from exc
        raise Conflict(f"The line cannot be taxed: {exc}") from exc
    row["kind"] = MANUAL_KIND
    row["data"] = {**row["data"], "manual": True, "product_kind": product_kind}
    if unit_amount is not None:
        row["data"]["unit_amount"] = unit_amount
    _retotal(ctx, invoice, customer, [row], pointer)
    ctx.scope.insert(invoice_items, row)
    _save(ctx, invoice)
    _record(ctx, invoice, "line_added", before, item_id=row["id"], amount=row["amount"])
    return get_invoice(ctx, invoice_id)


def _split(total: int, shares: Sequence[int]) -> list[int]:
    """``total`` split in proportion to the positive ``shares``, each half-up, the rounding
    remainder on the largest share (the first of equal ones)."""
    base = sum(shares)
    parts = [(2 * total * share + base) // (2 * base) for share in shares]
    largest = max(range(len(shares)), key=lambda index: shares[index])
    parts[largest] += total - sum(parts)
    return parts


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _discount_text(locale: str, text: str, percent: Decimal | None, rate: Decimal | None) -> str:
    """The merchant's text, or "Rabatt 10 %" / "Discount 10%"; with several tax groups each
    line names its rate."""
    german = locale.strip().lower().startswith("de")
    if not text and percent is not None:
        text = f"Rabatt {_plain(percent)} %" if german else f"Discount {_plain(percent)}%"
    elif not text:
        text = "Rabatt" if german else "Discount"
    if rate is not None:
        text += f" ({_plain(rate)} %)" if german else f" ({_plain(rate)}%)"
    return text[:300]


def add_discount(
    ctx: TenantContext,
    invoice_id: str,
    *,
    percent: Decimal | None = None,
    amount: int | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Discount a draft by ``percent`` of its current lines or by a fixed ``amount`` (minor
    units, the draft's price mode). One negative line per tax group (treatment, country,
    rate), in proportion to the group's share, so each group's VAT is reduced correctly."""
    invoice = _draft(ctx, invoice_id)
    before = _summary(invoice)
    if (percent is None) == (amount is None):
        raise ValidationFailed.field("/percent", "give either percent or amount")
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise ValidationFailed.field("/percent", "must be more than 0 and at most 100")
    if amount is not None and amount <= 0:
        raise ValidationFailed.field("/amount", "must be a positive amount in minor units")
    items = _items_of(ctx, [invoice["id"]]).get(invoice["id"], [])
    groups: dict[tuple[str, Decimal, str], list[dict[str, Any]]] = {}
    for item in items:
        taxed = line_tax_of(item)
        groups.setdefault((taxed.treatment.value, taxed.rate, taxed.country), []).append(item)
    sums = {key: sum(i["amount"] for i in rows) for key, rows in groups.items()}
    positive = [key for key, total in sums.items() if total > 0]
    base = sum(sums[key] for key in positive)
    if base <= 0:
        raise Conflict(f"{_label(invoice)} has no charges to discount.")
    if amount is not None and amount > base:
        raise ValidationFailed.field(
            "/amount", f"must not exceed the draft's line total of {base} minor units"
        )
    total = amount if amount is not None else round_half_up(Decimal(base) * (percent or 0) / 100)
    if total <= 0:
        raise ValidationFailed.field("/percent", "discounts less than one minor unit")
    parts = _split(total, [sums[key] for key in positive])
    customer = _customer(ctx, invoice)
    position = _next_position(ctx, invoice["id"])
    text = (description or "").strip()
    rows = []
    for offset, (key, part) in enumerate(zip(positive, parts, strict=True)):
        if part == 0:
            continue
        template = groups[key][0]
        rate = key[1] if len(positive) > 1 else None
        rows.append(
            {
                "id": new_id("ili"),
                "invoice_id": invoice["id"],
                "position": position + offset,
                "contract_id": None,
                "kind": DISCOUNT_KIND,
                "ref_id": MANUAL_KIND,
                "period_start": None,
                "seq": None,
                "description": _discount_text(customer["locale"], text, percent, rate),
                "quantity": Decimal(1),
                "amount": -part,
                "tax_category": template["tax_category"],
                "tax_treatment": template["tax_treatment"],
                "tax_rate": template["tax_rate"],
                "service_from": None,
                "service_until": None,
                "data": {
                    "correction": False,
                    "catalog_amount": -part,
                    "tax_country": key[2],
                    "manual": True,
                    "discount": {
                        "percent": _plain(percent) if percent is not None else None,
                        "amount": amount,
                    },
                },
            }
        )
    _retotal(ctx, invoice, customer, rows, "/amount" if amount is not None else "/percent")
    ctx.scope.insert_many(invoice_items, rows)
    _save(ctx, invoice)
    _record(ctx, invoice, "discount_added", before, discount=-total)
    return get_invoice(ctx, invoice_id)


def delete_draft(ctx: TenantContext, invoice_id: str) -> None:
    """Delete a draft with its items; the contracts it billed are due again on its billing
    date, so the next billing run bills what the draft held."""
    invoice = _lock(ctx, invoice_id)
    if invoice["state"] != "draft":
        raise Conflict(
            f"{_label(invoice)} is {invoice['state']}; only drafts can be deleted. Void an open "
            "invoice or issue a credit note instead."
        )
    items = _items_of(ctx, [invoice["id"]]).get(invoice["id"], [])
    contract_ids = sorted({i["contract_id"] for i in items if i["contract_id"]})
    ctx.uow.connection.execute(
        ctx.scope.delete_statement(invoice_items).where(invoice_items.c.invoice_id == invoice["id"])
    )
    ctx.uow.connection.execute(
        ctx.scope.delete_statement(invoices).where(invoices.c.id == invoice["id"])
    )
    if contract_ids:
        c = contracts.c
        ctx.uow.connection.execute(
            ctx.scope.update_statement(contracts)
            .where(
                c.id.in_(contract_ids),
                or_(c.next_billing_date.is_(None), c.next_billing_date > invoice["billing_date"]),
            )
            .values(next_billing_date=invoice["billing_date"])
        )
    audit.record(
        ctx,
        object_type="invoice",
        object_id=invoice["id"],
        action="deleted",
        before={**_summary(invoice), "items": len(items), "contracts": contract_ids},
    )


# -- finalizing ------------------------------------------------------------------------------


def _finalize(ctx: TenantContext, drafts: Sequence[dict[str, Any]]) -> None:
    """Finalize drafts (locked by the caller): totals from their items, numbers, credit
    balance, seller and buyer snapshots, ledger; written in the caller's transaction."""
    finalizing = _Finalizing.load(ctx)
    customer_ids = sorted({d["customer_id"] for d in drafts})
    customer_rows = {cid: customers.get_customer(ctx, cid) for cid in customer_ids}
    items = _items_of(ctx, [d["id"] for d in drafts])
    befores = {}
    for draft in drafts:
        befores[draft["id"]] = _summary(draft)
        apply_totals(
            draft, items.get(draft["id"], []), customer_rows[draft["customer_id"]]["locale"]
        )
    done = finalize_in_memory(
        drafts,
        issue_date=ctx.today(),
        now=ctx.now(),
        settings=finalizing.settings,
        tenant=finalizing.tenant,
        customers=customer_rows,
        balances=credit_balances(ctx, customer_ids),
        numbers=_numbers(ctx),
    )
    for draft in drafts:
        _save(ctx, draft)
        _record(ctx, draft, "finalized", befores[draft["id"]])
    ctx.scope.insert_many(credit_balance_entries, done.balance_entries)
    ctx.scope.insert_many(ledger_entries, done.ledger_rows)
    mail_hooks.invoices_issued(ctx, drafts, customer_rows)


def finalize(ctx: TenantContext, invoice_id: str) -> dict[str, Any]:
    """Finalize a draft now: it gets its number and issue date and becomes immutable."""
    draft = _lock(ctx, invoice_id)
    if draft["state"] != "draft":
        raise Conflict(f"{_label(draft)} is {draft['state']}; only drafts can be finalized.")
    _finalize(ctx, [draft])
    return get_invoice(ctx, invoice_id)


def finalize_due(ctx: TenantContext) -> list[str]:
    """Finalize every draft whose grace period is over (``finalize_on`` today or earlier), in
    billing date order; the ids finalized. Drafts without ``finalize_on`` (corrected invoices
    from a void with reissue) wait for the merchant."""
    c = invoices.c
    statement = (
        ctx.scope.select(invoices)
        .where(c.state == "draft", c.finalize_on.is_not(None), c.finalize_on <= ctx.today())
        .order_by(c.billing_date, c.id)
        .with_for_update()
    )
    drafts = ctx.scope.rows(statement)
    if drafts:
        _finalize(ctx, drafts)
    return [d["id"] for d in drafts]


# -- corrections -----------------------------------------------------------------------------


def _copy(
    item: dict[str, Any], invoice_id: str, position: int, amount: int, link: str
) -> dict[str, Any]:
    """A copy of ``item`` for another document: ``amount``, the original's tax, no contract."""
    data = item["data"] or {}
    copy: dict[str, Any] = {
        "id": new_id("ili"),
        "invoice_id": invoice_id,
        "position": position,
        "contract_id": None,
        "kind": item["kind"],
        "ref_id": item["ref_id"],
        "period_start": None,
        "seq": None,
        "description": item["description"],
        "quantity": item["quantity"] if amount in (item["amount"], -item["amount"]) else Decimal(1),
        "amount": amount,
        "tax_category": item["tax_category"],
        "tax_treatment": item["tax_treatment"],
        "tax_rate": item["tax_rate"],
        "service_from": item["service_from"],
        "service_until": item["service_until"],
        "data": {
            "correction": True,
            "catalog_amount": amount,
            "tax_country": data.get("tax_country", ""),
            link: item["id"],
        },
    }
    return copy


def _correction(
    ctx: TenantContext,
    original: dict[str, Any],
    document_type: str,
    reason: str,
    settings: BillingSettings,
) -> dict[str, Any]:
    document = new_invoice(
        original["customer_id"],
        original["currency"],
        ctx.today(),
        settings,
        ctx.now(),
        None,
        document_type,
    )
    document["prices_include_tax"] = original["prices_include_tax"]
    document["corrects_id"] = original["id"]
    document["reason"] = reason
    document["finalize_on"] = ctx.today()
    return document


def _issue(
    ctx: TenantContext,
    document: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    customer: dict[str, Any],
    finalizing: _Finalizing,
) -> list[dict[str, Any]]:
    """Finalize a correction document (totals applied) at once; it is settled when issued.
    Its ledger rows."""
    done = finalize_in_memory(
        [document],
        issue_date=ctx.today(),
        now=ctx.now(),
        settings=finalizing.settings,
        tenant=finalizing.tenant,
        customers={customer["id"]: customer},
        balances={},
        numbers=_numbers(ctx),
    )
    document["state"] = "paid"
    document["paid_at"] = document["finalized_at"]
    document["amount_due"] = 0
    mail_hooks.invoices_issued(ctx, [document], {customer["id"]: customer})
    return done.ledger_rows


def _reverse_remaining_tax(
    ctx: TenantContext, note: dict[str, Any], original: dict[str, Any]
) -> None:
    """A credit note for everything still creditable reverses exactly the tax the original
    charged less what earlier credit notes reversed, per tax group, so the original and its
    credit notes add up to zero to the cent (tax rounded per document could leave one)."""
    left: dict[tuple[str, str, str], int] = defaultdict(int)
    for group in original["tax_breakdown"]:
        left[(group["treatment"], group["country"], group["rate"])] += group["tax"]
    earlier = ctx.scope.select(invoices).where(
        invoices.c.corrects_id == original["id"], invoices.c.document_type == "credit_note"
    )
    for document in ctx.scope.rows(earlier):
        for group in document["tax_breakdown"]:
            left[(group["treatment"], group["country"], group["rate"])] += group["tax"]
    for group in note["tax_breakdown"]:
        tax = -left[(group["treatment"], group["country"], group["rate"])]
        if note["prices_include_tax"]:
            group["net"] = group["gross"] - tax
        else:
            group["gross"] = group["net"] + tax
        group["tax"] = tax
    note["net_total"] = sum(g["net"] for g in note["tax_breakdown"])
    note["tax_total"] = sum(g["tax"] for g in note["tax_breakdown"])
    note["gross_total"] = sum(g["gross"] for g in note["tax_breakdown"])


@dataclass(frozen=True)
class CreditLine:
    item_id: str
    amount: int


def credit(
    ctx: TenantContext,
    invoice_id: str,
    *,
    reason: str | None,
    lines: Sequence[CreditLine] | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """Issue a credit note for parts of an open or paid invoice (``lines``: an item and the
    amount to credit, at most what is still creditable on it) or for all that is still
    creditable (``full``). It reduces the original's amount due; what exceeds it (all of it,
    for a paid invoice) becomes the customer's credit balance."""
    original = _lock(ctx, invoice_id)
    text = _reason(reason)
    if full and lines:
        raise ValidationFailed.field("/lines", "give either lines or full: true, not both")
    if not full and not lines:
        raise ValidationFailed.field("/lines", "name the lines to credit, or send full: true")
    if original["document_type"] != "invoice":
        raise Conflict(f"{_label(original)} is a correction; only invoices can be credited.")
    if original["state"] not in ("open", "paid"):
        raise Conflict(
            f"{_label(original)} is {original['state']}; only open or paid invoices can be "
            "credited."
        )
    before = _summary(original)
    items = _items_of(ctx, [original["id"]]).get(original["id"], [])
    credited = _credited(ctx, [original["id"]])
    remaining = {i["id"]: i["amount"] - credited.get(i["id"], 0) for i in items}
    by_id = {i["id"]: i for i in items}
    chosen: list[tuple[dict[str, Any], int]] = []
    if full:
        chosen = [(i, remaining[i["id"]]) for i in items if remaining[i["id"]] != 0]
        if not chosen:
            raise Conflict(f"{_label(original)} is already credited in full.")
    else:
        errors: list[FieldError] = []
        asked: dict[str, int] = defaultdict(int)
        for index, line in enumerate(lines or ()):
            item = by_id.get(line.item_id)
            if item is None:
                errors.append(
                    FieldError(
                        f"/lines/{index}/item_id",
                        f"'{line.item_id}' is not an item of {_label(original)}",
                    )
                )
                continue
            if line.amount <= 0:
                errors.append(
                    FieldError(f"/lines/{index}/amount", "must be a positive amount in minor units")
                )
                continue
            asked[item["id"]] += line.amount
            left = max(remaining[item["id"]], 0)
            if asked[item["id"]] > left:
                errors.append(
                    FieldError(
                        f"/lines/{index}/amount",
                        f"exceeds the {left} minor units still creditable on this line "
                        f"(billed {item['amount']}, credited {credited.get(item['id'], 0)})",
                    )
                )
                continue
            chosen.append((item, line.amount))
        if errors:
            raise ValidationFailed("; ".join(f"{e.pointer}: {e.reason}" for e in errors), errors)
    finalizing = _Finalizing.load(ctx)
    customer = _customer(ctx, original)
    note = _correction(ctx, original, "credit_note", text, finalizing.settings)
    rows = [
        _copy(item, note["id"], position, -amount, "credits_item_id")
        for position, (item, amount) in enumerate(chosen, start=1)
    ]
    apply_totals(note, rows, customer["locale"])
    if full:
        _reverse_remaining_tax(ctx, note, original)
    if note["gross_total"] >= 0:
        raise Conflict(f"The credit note for {_label(original)} would credit nothing.")
    postings = _issue(ctx, note, rows, customer, finalizing)
    amount = -note["gross_total"]
    reduced = min(amount, original["amount_due"]) if original["state"] == "open" else 0
    to_balance = amount - reduced
    entries = []
    if reduced:
        original["amount_due"] -= reduced
        if original["amount_due"] == 0:
            original["state"] = "paid"
            original["paid_at"] = ctx.now()
    if to_balance:
        entries.append(_balance_entry(ctx, note, to_balance, f"credit note {note['number']}"))
        postings += _ledger_rows(
            ctx,
            note,
            ledger.document_postings((), to_credit_balance=to_balance),
            transaction_id=postings[0]["transaction_id"] if postings else None,
        )
    original["updated_at"] = ctx.now()
    ctx.scope.insert(invoices, note)
    ctx.scope.insert_many(invoice_items, rows)
    ctx.scope.insert_many(credit_balance_entries, entries)
    ctx.scope.insert_many(ledger_entries, postings)
    _save(ctx, original)
    _record(ctx, note, "created")
    _record(
        ctx,
        original,
        "credited",
        before,
        credit_note_id=note["id"],
        credited=amount,
        to_credit_balance=to_balance,
    )
    return get_invoice(ctx, note["id"])


def void(
    ctx: TenantContext, invoice_id: str, *, reason: str | None, reissue: bool = False
) -> dict[str, Any]:
    """Void an open invoice with a cancellation document that negates all its lines; credit
    balance applied to it returns to the customer. ``reissue``: also a new draft with copies of
    the lines, to correct and finalize (it is not finalized automatically)."""
    original = _lock(ctx, invoice_id)
    text = _reason(reason)
    if original["document_type"] != "invoice":
        raise Conflict(f"{_label(original)} is a correction; only invoices can be voided.")
    if original["state"] == "draft":
        raise Conflict(
            f"{_label(original)} is a draft; delete it instead (DELETE /v1/invoices/{{id}})."
        )
    if original["state"] != "open":
        raise Conflict(
            f"{_label(original)} is {original['state']}; only open invoices can be voided "
            "(a paid one is corrected with a credit note)."
        )
    notes = ctx.scope.count(
        invoices,
        invoices.c.corrects_id == original["id"],
        invoices.c.document_type == "credit_note",
    )
    if notes:
        raise Conflict(
            f"{_label(original)} has credit notes; credit the rest with a credit note instead."
        )
    if original["gross_total"] < 0:
        raise Conflict(f"{_label(original)} has a negative total; it cannot be voided.")
    before = _summary(original)
    finalizing = _Finalizing.load(ctx)
    customer = _customer(ctx, original)
    items = _items_of(ctx, [original["id"]]).get(original["id"], [])
    cancellation = _correction(ctx, original, "cancellation", text, finalizing.settings)
    rows = [
        _copy(item, cancellation["id"], item["position"], -item["amount"], "cancels_item_id")
        for item in items
    ]
    apply_totals(cancellation, rows, customer["locale"])
    postings = _issue(ctx, cancellation, rows, customer, finalizing)
    entries = []
    returned = original["credit_applied"]
    if returned:
        entries.append(
            _balance_entry(ctx, cancellation, returned, f"returned from voided {_label(original)}")
        )
        postings += _ledger_rows(
            ctx,
            cancellation,
            ledger.document_postings((), to_credit_balance=returned),
            transaction_id=postings[0]["transaction_id"] if postings else None,
        )
    now = ctx.now()
    original.update(state="void", voided_at=now, updated_at=now, amount_due=0)
    ctx.scope.insert(invoices, cancellation)
    ctx.scope.insert_many(invoice_items, rows)
    ctx.scope.insert_many(credit_balance_entries, entries)
    ctx.scope.insert_many(ledger_entries, postings)
    _save(ctx, original)
    _record(ctx, cancellation, "created")
    _record(ctx, original, "voided", before, cancellation_id=cancellation["id"])
    reissued = None
    if reissue:
        draft = new_invoice(
            original["customer_id"],
            original["currency"],
            ctx.today(),
            finalizing.settings,
            now,
            None,
        )
        draft.update(
            prices_include_tax=original["prices_include_tax"],
            corrects_id=original["id"],
            reason=text,
            finalize_on=None,
        )
        copies = [
            _copy(i, draft["id"], i["position"], i["amount"], "reissues_item_id") for i in items
        ]
        for row in copies:
            row["data"]["correction"] = False
        apply_totals(draft, copies, customer["locale"])
        ctx.scope.insert(invoices, draft)
        ctx.scope.insert_many(invoice_items, copies)
        _record(ctx, draft, "created")
        reissued = get_invoice(ctx, draft["id"])
    return {
        "invoice": get_invoice(ctx, original["id"]),
        "cancellation": get_invoice(ctx, cancellation["id"]),
        "reissue": reissued,
    }


# -- payment state ---------------------------------------------------------------------------


def mark_paid(
    ctx: TenantContext, invoice_id: str, paid_at: datetime | None = None
) -> dict[str, Any]:
    """An open invoice was paid (outside Turnus): the bank received its amount due. An open
    credit note (a refund owed) was paid out."""
    document = _lock(ctx, invoice_id)
    if document["state"] != "open":
        raise Conflict(
            f"{_label(document)} is {document['state']}; only open documents can be marked paid."
        )
    now = ctx.now()
    if paid_at is not None:
        if paid_at.tzinfo is None or paid_at.utcoffset() is None:
            raise ValidationFailed.field("/paid_at", "must have a UTC offset")
        if paid_at > now:
            raise ValidationFailed.field("/paid_at", "must not be in the future")
    when = paid_at or now
    before = _summary(document)
    # what the customer paid (positive), or what was refunded to the customer (negative)
    paid = (
        document["amount_due"]
        if document["document_type"] == "invoice"
        else (document["gross_total"] if document["gross_total"] < 0 else 0)
    )
    if paid:
        postings = [
            ledger.Posting(BANK, max(paid, 0), max(-paid, 0)),
            ledger.Posting(ledger.RECEIVABLES, max(-paid, 0), max(paid, 0)),
        ]
        posted_on = when.astimezone(ZoneInfo(ctx.clock.timezone)).date()
        ctx.scope.insert_many(
            ledger_entries, _ledger_rows(ctx, document, postings, posted_on=posted_on)
        )
    document.update(state="paid", paid_at=when, updated_at=now, amount_due=0)
    _save(ctx, document)
    _record(ctx, document, "paid", before, paid=paid)
    return get_invoice(ctx, invoice_id)


def mark_uncollectible(ctx: TenantContext, invoice_id: str) -> dict[str, Any]:
    """An open invoice will not be paid: its amount due is written off as bad debt."""
    document = _lock(ctx, invoice_id)
    if document["document_type"] != "invoice" or document["state"] != "open":
        what = (
            document["state"]
            if document["document_type"] == "invoice"
            else f"a {document['document_type']}"
        )
        raise Conflict(
            f"{_label(document)} is {what}; only open invoices can be marked uncollectible."
        )
    before = _summary(document)
    written_off = document["amount_due"]
    if written_off:
        postings = [
            ledger.Posting(BAD_DEBT, written_off, 0),
            ledger.Posting(ledger.RECEIVABLES, 0, written_off),
        ]
        ctx.scope.insert_many(ledger_entries, _ledger_rows(ctx, document, postings))
    document.update(state="uncollectible", updated_at=ctx.now())
    _save(ctx, document)
    _record(ctx, document, "uncollectible", before, written_off=written_off)
    return get_invoice(ctx, invoice_id)
