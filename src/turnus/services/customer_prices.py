"""Personal prices: a customer pays another price for a plan variant or a component, from a
date on and optionally until an end date (inclusive)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_

from turnus.domain.catalog.model import Price
from turnus.domain.errors import Conflict, ValidationFailed
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


def _check_window(valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed.field("/valid_until", "is before valid_from")


def _overlapping(
    ctx: TenantContext,
    customer_id: str,
    target_id: str,
    valid_from: date,
    valid_until: date | None,
    own_id: str | None = None,
) -> dict[str, Any] | None:
    table = customer_prices.c
    statement = ctx.scope.select(customer_prices).where(
        table.customer_id == customer_id,
        table.target_id == target_id,
        or_(table.valid_until.is_(None), table.valid_until >= valid_from),
    )
    if valid_until is not None:
        statement = statement.where(table.valid_from <= valid_until)
    if own_id is not None:
        statement = statement.where(table.id != own_id)
    return ctx.scope.first(statement)


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
    customers.require_active(ctx, customer_id, "/customer_id")
    kind = TARGETS[target_type]
    records.get_active(ctx, kind, target_id, "/target_id")
    rule = flat_fee_only if kind is VARIANT else None
    price_versions.check_prices(prices, "/prices", rule)
    catalog_currencies = price_versions.currencies_of(ctx, target_id)
    strange = [p.currency for p in prices if p.currency not in catalog_currencies]
    if strange:
        raise ValidationFailed.field(
            "/prices", f"the {kind.label} has no price in {', '.join(strange)}"
        )
    start = valid_from or ctx.today()
    _check_window(start, valid_until)
    clash = _overlapping(ctx, customer_id, target_id, start, valid_until)
    if clash is not None:
        raise Conflict(
            f"The customer already has a personal price for '{target_id}' from "
            f"{clash['valid_from']} to {clash['valid_until'] or 'open end'}."
        )
    now = ctx.now()
    price_id = new_id("cpr")
    row = {
        "id": price_id,
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
    audit.record(ctx, object_type="customer_price", object_id=price_id, action="created", after=row)
    return row


def end_price(
    ctx: TenantContext, customer_id: str, price_id: str, valid_until: date
) -> dict[str, Any]:
    before = _own(ctx, customer_id, price_id)
    _check_window(before["valid_from"], valid_until)
    if before["valid_until"] is not None and valid_until > before["valid_until"]:
        raise ValidationFailed.field(
            "/valid_until", f"can only move earlier than {before['valid_until']}"
        )
    ctx.scope.update(
        customer_prices, price_id, {"valid_until": valid_until, "updated_at": ctx.now()}
    )
    after = _own(ctx, customer_id, price_id)
    audit.record(
        ctx,
        object_type="customer_price",
        object_id=price_id,
        action="ended",
        before=before,
        after=after,
    )
    return after


def _own(ctx: TenantContext, customer_id: str, price_id: str) -> dict[str, Any]:
    row = ctx.scope.get(customer_prices, price_id, what="customer price")
    if row["customer_id"] != customer_id:
        raise ValidationFailed.field("/price_id", "belongs to another customer")
    return row


def list_prices(ctx: TenantContext, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
    customers.get_customer(ctx, customer_id)
    return ctx.scope.page(customer_prices, page, customer_prices.c.customer_id == customer_id)


def price_override_for(
    ctx: TenantContext, customer_id: str, target_id: str, on: date
) -> tuple[Price, ...] | None:
    """The customer's personal prices for ``target_id`` on ``on`` (both ends inclusive)."""
    row = _overlapping(ctx, customer_id, target_id, on, on)
    return None if row is None else prices_of(row["prices"])
