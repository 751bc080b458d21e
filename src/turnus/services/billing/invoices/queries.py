"""Reading invoices: list and search, one invoice with its items, customer credit balances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, or_

from turnus.domain.pagination import Page, PageRequest
from turnus.services import customers
from turnus.services.billing.run import credit_balances
from turnus.services.context import TenantContext
from turnus.store.billing_tables import (
    invoice_items,
    invoices,
)


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
