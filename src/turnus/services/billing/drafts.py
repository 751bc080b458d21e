"""Drafts a billing run adds to: while drafts stay open (``draft_grace_days``), everything
billed for a customer on the same day in the same currency joins the customer's open draft of
that day instead of starting a second invoice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from turnus.services.context import TenantContext
from turnus.store.billing_tables import invoice_items, invoices

TOTAL_COLUMNS = (
    "net_total",
    "tax_total",
    "gross_total",
    "amount_due",
    "tax_breakdown",
    "notes",
    "service_from",
    "service_until",
    "updated_at",
)


def open_drafts(
    ctx: TenantContext, customer_ids: Sequence[str], billing_date: date
) -> dict[tuple[str, str], tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(customer, currency) -> (the run-made draft of ``billing_date``, its items)."""
    if not customer_ids:
        return {}
    c = invoices.c
    rows = ctx.scope.rows(
        ctx.scope.select(invoices)
        .where(
            c.customer_id.in_(customer_ids),
            c.state == "draft",
            c.document_type == "invoice",
            c.billing_date == billing_date,
            c.run_id.is_not(None),
        )
        .order_by(c.created_at)
    )
    if not rows:
        return {}
    items: dict[str, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    statement = (
        ctx.scope.select(invoice_items)
        .where(invoice_items.c.invoice_id.in_(list(items)))
        .order_by(invoice_items.c.position)
    )
    for item in ctx.scope.rows(statement):
        items[item["invoice_id"]].append(item)
    return {(row["customer_id"], row["currency"]): (row, items[row["id"]]) for row in rows}


def save_totals(ctx: TenantContext, invoice: dict[str, Any]) -> None:
    ctx.scope.update(invoices, invoice["id"], {k: invoice[k] for k in TOTAL_COLUMNS})
