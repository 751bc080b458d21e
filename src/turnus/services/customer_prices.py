"""Personal prices ("personalised services"): a customer pays another price for a plan variant or
a component, from a date on and optionally until an end date (inclusive).

Two personal prices of one customer for one catalog item never overlap, so on any day at most
one applies; billing asks :func:`price_override_for`. Like catalog price versions, a personal
price never starts in the past and never ends before yesterday: periods already billed must
not change under the invoices written for them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_

from turnus.domain.catalog.model import Price
from turnus.domain.errors import Conflict, NotFound, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit, customers, records
from turnus.services.catalog import price_versions
from turnus.services.catalog.codec import prices_doc, prices_of
from turnus.services.catalog.components import COMPONENT
from turnus.services.catalog.variants import VARIANT, flat_fee_only
from turnus.services.context import TenantContext
from turnus.store.customer_tables import customer_prices
from turnus.store.ids import new_id

TARGETS = {"plan_variant": VARIANT, "component": COMPONENT}
OBJECT_TYPE = "customer_price"


def _overlapping(
    ctx: TenantContext,
    customer_id: str,
    target_id: str,
    valid_from: date,
    valid_until: date | None,
) -> dict[str, Any] | None:
    """A personal price of the customer for the target whose window shares a day with
    [valid_from, valid_until] (None: open end)."""
    table = customer_prices.c
    statement = ctx.scope.select(customer_prices).where(
        table.customer_id == customer_id,
        table.target_id == target_id,
        or_(table.valid_until.is_(None), table.valid_until >= valid_from),
    )
    if valid_until is not None:
        statement = statement.where(table.valid_from <= valid_until)
    return ctx.scope.first(statement.order_by(table.valid_from))


def create_price(
    ctx: TenantContext,
    customer_id: str,
    *,
    target_type: str,
    target_id: str,
    prices: Sequence[Price],
    valid_from: date | None,
    valid_until: date | None,
    note: str | None,
) -> dict[str, Any]:
    customers.require_open(ctx, customer_id)  # locked: overlap checks cannot race
    kind = TARGETS[target_type]
    records.get_active(ctx, kind, target_id, "/target_id")
    price_versions.check_prices(prices, "/prices", flat_fee_only if kind is VARIANT else None)
    catalog_currencies = price_versions.currencies_of(ctx, target_id)
    foreign = [p.currency for p in prices if p.currency not in catalog_currencies]
    if foreign:
        raise ValidationFailed.field(
            "/prices", f"the {kind.label} has no price in {', '.join(foreign)}"
        )
    today = ctx.today()
    start = valid_from if valid_from is not None else today
    if start < today:
        raise ValidationFailed.field(
            "/valid_from", f"a personal price cannot start in the past (today is {today})"
        )
    if valid_until is not None and valid_until < start:
        raise ValidationFailed.field("/valid_until", f"is before valid_from ({start})")
    clash = _overlapping(ctx, customer_id, target_id, start, valid_until)
    if clash is not None:
        raise Conflict(
            f"The customer already has a personal price for '{target_id}' from "
            f"{clash['valid_from']} to {clash['valid_until'] or 'open end'} ({clash['id']})."
        )
    now = ctx.now()
    new = new_id("cpr")
    row = {
        "id": new,
        "customer_id": customer_id,
        "target_type": target_type,
        "target_id": target_id,
        "prices": prices_doc(prices),
        "valid_from": start,
        "valid_until": valid_until,
        "note": note,
        "created_at": now,
        "updated_at": now,
    }
    ctx.scope.insert(customer_prices, row)
    created = _own(ctx, customer_id, new)
    audit.record(ctx, object_type=OBJECT_TYPE, object_id=new, action="created", after=created)
    return created


def end_price(
    ctx: TenantContext, customer_id: str, price_id: str, valid_until: date
) -> dict[str, Any]:
    """Let a personal price end on ``valid_until`` (inclusive): never before its start, never
    before yesterday, never later than an end it already has."""
    records.get(ctx, customers.CUSTOMER, customer_id, for_update=True)  # 404; serialises ends
    before = _own(ctx, customer_id, price_id)
    check_end(before, valid_until, ctx.today())
    ctx.scope.update(
        customer_prices, price_id, {"valid_until": valid_until, "updated_at": ctx.now()}
    )
    after = _own(ctx, customer_id, price_id)
    audit.record(
        ctx, object_type=OBJECT_TYPE, object_id=price_id, action="ended", before=before, after=after
    )
    return after


def check_end(row: dict[str, Any], valid_until: date, today: date) -> None:
    """The rule for moving the end of a personal price or discount to ``valid_until``."""
    if valid_until < row["valid_from"]:
        raise ValidationFailed.field("/valid_until", f"is before valid_from ({row['valid_from']})")
    yesterday = today - timedelta(days=1)
    if valid_until < yesterday:
        raise ValidationFailed.field(
            "/valid_until", f"cannot end before yesterday ({yesterday}): those days may be billed"
        )
    if row["valid_until"] is not None and valid_until > row["valid_until"]:
        raise ValidationFailed.field(
            "/valid_until", f"can only move earlier than the current end ({row['valid_until']})"
        )


def _own(ctx: TenantContext, customer_id: str, price_id: str) -> dict[str, Any]:
    row = ctx.scope.find(customer_prices, price_id)
    if row is None or row["customer_id"] != customer_id:
        raise NotFound(f"Customer '{customer_id}' has no personal price with id '{price_id}'.")
    return row


def list_prices(
    ctx: TenantContext, customer_id: str, page: PageRequest, *, target_id: str | None = None
) -> Page[dict[str, Any]]:
    customers.get_customer(ctx, customer_id)
    criteria = [customer_prices.c.customer_id == customer_id]
    if target_id is not None:
        criteria.append(customer_prices.c.target_id == target_id)
    return ctx.scope.page(customer_prices, page, *criteria)


def price_override_for(
    ctx: TenantContext, customer_id: str, target_id: str, on: date
) -> tuple[Price, ...] | None:
    """The customer's personal prices (one per currency) for the plan variant or component
    ``target_id`` on the day ``on`` (window ends inclusive); None: the catalog price applies."""
    row = _overlapping(ctx, customer_id, target_id, on, on)
    return None if row is None else prices_of(row["prices"])
