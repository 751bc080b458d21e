"""Finalizing drafts: numbers, seller and buyer snapshots, due dates, credit balance, ledger,
mails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from turnus.domain.errors import Conflict
from turnus.services import customers
from turnus.services.billing import numbering
from turnus.services.billing.documents import (
    apply_totals,
    finalize_in_memory,
)
from turnus.services.billing.invoices.common import (
    _Finalizing,
    _label,
    _lock,
    _record,
    _save,
    _summary,
)
from turnus.services.billing.invoices.queries import _items_of, get_invoice
from turnus.services.billing.run import credit_balances
from turnus.services.context import TenantContext
from turnus.services.mail import hooks as mail_hooks
from turnus.store.billing_tables import (
    credit_balance_entries,
    invoices,
    ledger_entries,
)


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
    )
    done.take_numbers(numbering.allocator(ctx), finalizing.settings)
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
