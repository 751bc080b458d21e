"""Corrections of finalized documents: credit notes (full or per line) and voiding with a
cancellation invoice (Stornorechnung), optionally followed by a corrected draft."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from turnus.domain.billing import ledger
from turnus.domain.billing.settings import BillingSettings
from turnus.domain.errors import Conflict, FieldError, ValidationFailed
from turnus.services.billing import numbering
from turnus.services.billing.documents import (
    apply_totals,
    balance_entry,
    finalize_in_memory,
    new_invoice,
)
from turnus.services.billing.invoices.common import (
    _customer,
    _Finalizing,
    _label,
    _ledger_rows,
    _lock,
    _reason,
    _record,
    _save,
    _summary,
)
from turnus.services.billing.invoices.queries import _credited, _items_of, get_invoice
from turnus.services.context import TenantContext
from turnus.services.mail import hooks as mail_hooks
from turnus.store.billing_tables import (
    credit_balance_entries,
    invoice_items,
    invoices,
    ledger_entries,
)
from turnus.store.ids import new_id


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
    )
    done.take_numbers(numbering.allocator(ctx), finalizing.settings)
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
    breakdown = []  # new documents: the note's totals may share theirs (``shared_docs``)
    for shared in note["tax_breakdown"]:
        group = dict(shared)
        tax = -left[(group["treatment"], group["country"], group["rate"])]
        if note["prices_include_tax"]:
            group["net"] = group["gross"] - tax
        else:
            group["gross"] = group["net"] + tax
        group["tax"] = tax
        breakdown.append(group)
    note["tax_breakdown"] = breakdown
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
    bookings = _issue(ctx, note, rows, customer, finalizing)
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
        entries.append(balance_entry(note, to_balance, f"credit note {note['number']}", ctx.now()))
        bookings += _ledger_rows(
            ctx,
            note,
            ledger.document_bookings((), to_credit_balance=to_balance),
            transaction_id=bookings[0]["transaction_id"] if bookings else None,
        )
    original["updated_at"] = ctx.now()
    ctx.scope.insert(invoices, note)
    ctx.scope.insert_many(invoice_items, rows)
    ctx.scope.insert_many(credit_balance_entries, entries)
    ctx.scope.insert_many(ledger_entries, bookings)
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
    bookings = _issue(ctx, cancellation, rows, customer, finalizing)
    entries = []
    returned = original["credit_applied"]
    if returned:
        entries.append(
            balance_entry(
                cancellation, returned, f"returned from voided {_label(original)}", ctx.now()
            )
        )
        bookings += _ledger_rows(
            ctx,
            cancellation,
            ledger.document_bookings((), to_credit_balance=returned),
            transaction_id=bookings[0]["transaction_id"] if bookings else None,
        )
    now = ctx.now()
    original.update(state="void", voided_at=now, updated_at=now, amount_due=0)
    ctx.scope.insert(invoices, cancellation)
    ctx.scope.insert_many(invoice_items, rows)
    ctx.scope.insert_many(credit_balance_entries, entries)
    ctx.scope.insert_many(ledger_entries, bookings)
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
