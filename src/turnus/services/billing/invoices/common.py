"""Shared by the invoice operations: constants, locking and loading documents, audit, totals
checks, numbering, ledger rows and credit balance entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from turnus.domain.billing import ledger
from turnus.domain.billing.model import LineKind
from turnus.domain.billing.settings import BillingSettings
from turnus.domain.errors import Conflict, ValidationFailed
from turnus.services import audit, customers, tenants
from turnus.services.billing import settings as billing_settings
from turnus.services.billing.documents import apply_totals, ledger_rows
from turnus.services.billing.invoices.queries import _items_of
from turnus.services.context import TenantContext
from turnus.store.billing_tables import (
    invoices,
)

BANK = "bank"
BAD_DEBT = "bad_debt"
MANUAL_KIND = "manual"
DISCOUNT_KIND = LineKind.DISCOUNT.value
# invoice columns are 32-bit integers on PostgreSQL; stay well inside them
MAX_LINE_AMOUNT = 1_000_000_000
MAX_TOTAL = 2_000_000_000

_LABELS = {"invoice": "Invoice", "credit_note": "Credit note", "cancellation": "Cancellation"}
_KEEP = frozenset({"tenant_id", "id", "items", "totals"})


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


def _ledger_rows(
    ctx: TenantContext,
    document: dict[str, Any],
    bookings: Iterable[ledger.Booking],
    *,
    transaction_id: str | None = None,
    posted_on: date | None = None,
) -> list[dict[str, Any]]:
    """Rows of one ledger transaction about ``document``, a booking each."""
    return ledger_rows(
        document,
        bookings,
        posted_on=posted_on or ctx.today(),
        now=ctx.now(),
        transaction_id=transaction_id,
    )


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
