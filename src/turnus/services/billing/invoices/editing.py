"""Editing drafts: manual lines, discounts per tax group, deleting a draft (its contract items are
billed again by the next run)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_

from turnus.domain.billing.model import LineKey, LineKind, NewItem, Taxable
from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.domain.errors import Conflict, ValidationFailed
from turnus.domain.money import round_half_up
from turnus.services import audit
from turnus.services.billing import settlements
from turnus.services.billing.documents import (
    buyer_of,
    item_row,
    line_tax_of,
    seller_of,
)
from turnus.services.billing.invoices.common import (
    DISCOUNT_KIND,
    MANUAL_KIND,
    MAX_LINE_AMOUNT,
    _customer,
    _draft,
    _Finalizing,
    _label,
    _lock,
    _next_position,
    _record,
    _retotal,
    _save,
    _summary,
)
from turnus.services.billing.invoices.queries import _items_of, get_invoice
from turnus.services.context import TenantContext
from turnus.store.billing_tables import (
    invoice_items,
    invoices,
)
from turnus.store.contract_tables import billing_schedule
from turnus.store.ids import new_id


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
    date, so the next billing run bills what the draft held, and their settlements are
    forgotten (the settled periods lose items: the next run reconciles them in full)."""
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
        c = billing_schedule.c
        ctx.uow.connection.execute(
            ctx.scope.update_statement(billing_schedule)
            .where(
                c.contract_id.in_(contract_ids),
                or_(c.next_billing_date.is_(None), c.next_billing_date > invoice["billing_date"]),
            )
            .values(next_billing_date=invoice["billing_date"])
        )
        ctx.uow.connection.execute(
            ctx.scope.update_statement(billing_schedule)
            .where(c.contract_id.in_(contract_ids))
            .values(settlements.columns(None))
        )
    audit.record(
        ctx,
        object_type="invoice",
        object_id=invoice["id"],
        action="deleted",
        before={**_summary(invoice), "items": len(items), "contracts": contract_ids},
    )


# -- finalizing ------------------------------------------------------------------------------
