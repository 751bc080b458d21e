"""The payment state of open documents: paid, or written off as uncollectible."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from turnus.domain.billing import ledger
from turnus.domain.errors import Conflict, ValidationFailed
from turnus.services.billing.invoices.common import (
    BAD_DEBT,
    BANK,
    _label,
    _ledger_rows,
    _lock,
    _record,
    _save,
    _summary,
)
from turnus.services.billing.invoices.queries import get_invoice
from turnus.services.context import TenantContext
from turnus.store.billing_tables import (
    ledger_entries,
)


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
    received = ledger.booking(BANK, ledger.RECEIVABLES, paid)  # a refund the other way
    if received is not None:
        posted_on = when.astimezone(ZoneInfo(ctx.clock.timezone)).date()
        ctx.scope.insert_many(
            ledger_entries, _ledger_rows(ctx, document, [received], posted_on=posted_on)
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
    lost = ledger.booking(BAD_DEBT, ledger.RECEIVABLES, written_off)
    if lost is not None:
        ctx.scope.insert_many(ledger_entries, _ledger_rows(ctx, document, [lost]))
    document.update(state="uncollectible", updated_at=ctx.now())
    _save(ctx, document)
    _record(ctx, document, "uncollectible", before, written_off=written_off)
    return get_invoice(ctx, invoice_id)
