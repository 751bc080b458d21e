"""Deliveries of physical goods: materialised when their day comes (by the tenant clock), with
the shipping address valid on that day, listed and exported for the fulfilment system, and
marked shipped."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from turnus.domain.contracts.deliveries import delivery_dates, next_delivery
from turnus.domain.errors import Conflict
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit
from turnus.services.context import TenantContext
from turnus.services.contracts import storage
from turnus.store.catalog_tables import components, plans, products
from turnus.store.contract_tables import deliveries
from turnus.store.customer_tables import customers
from turnus.store.ids import new_id

CSV_COLUMNS = (
    "delivery_id",
    "due_on",
    "contract_id",
    "customer_id",
    "recipient",
    "street",
    "house_number",
    "address_line_2",
    "postcode",
    "city",
    "country",
    "items",
)


def _product_of(ctx: TenantContext, product_id: str) -> dict[str, Any]:
    return ctx.scope.get(products, product_id, what="product")


def is_physical(ctx: TenantContext, contract: dict[str, Any]) -> bool:
    plan = ctx.scope.get(plans, contract["plan_id"], what="plan")
    return bool(_product_of(ctx, plan["product_id"])["kind"] == "physical")


def _items(ctx: TenantContext, contract: dict[str, Any], day: date) -> list[dict[str, Any]]:
    plan = ctx.scope.get(plans, contract["plan_id"], what="plan")
    product = _product_of(ctx, plan["product_id"])
    items = [
        {
            "product_id": product["id"],
            "sku": product["sku"],
            "name": product["name_de"],
            "quantity": "1",
        }
    ]
    for item in storage.items_on(ctx, contract["id"], day):
        if item["item_type"] != "component" or item["quantity"] <= 0:
            continue
        component = ctx.scope.get(components, item["ref_id"], what="component")
        goods = _product_of(ctx, component["product_id"])
        if goods["kind"] == "physical":
            items.append(
                {
                    "product_id": goods["id"],
                    "sku": goods["sku"],
                    "name": component["name_de"],
                    "quantity": format(item["quantity"], "f"),
                }
            )
    return items


def materialize(ctx: TenantContext, contract: dict[str, Any], day: date) -> dict[str, Any]:
    existing = ctx.scope.first(
        ctx.scope.select(deliveries).where(
            deliveries.c.contract_id == contract["id"], deliveries.c.due_on == day
        )
    )
    if existing is not None:
        return existing
    customer = ctx.scope.get(customers, contract["customer_id"], what="customer")
    address = customer["shipping_address"] or customer["billing_address"]
    name = (
        customer["company_name"]
        if customer["kind"] == "company"
        else f"{customer['first_name']} {customer['last_name']}"
    )
    row = {
        "id": new_id("dlv"),
        "contract_id": contract["id"],
        "customer_id": customer["id"],
        "due_on": day,
        "state": "scheduled",
        "recipient": address.get("recipient") or name,
        "shipping_address": address,
        "items": _items(ctx, contract, day),
        "tracking_number": None,
        "shipped_at": None,
        "created_at": ctx.now(),
    }
    ctx.scope.insert(deliveries, row)
    storage.record_event(ctx, contract["id"], "delivery_due", day, {"delivery_id": row["id"]}, None)
    return row


def due_and_next(ctx: TenantContext, contract_id: str, day: date) -> date | None:
    """Materialise the delivery due on ``day`` (if the schedule still has it) and return the
    next delivery day."""
    contract = storage.get(ctx, contract_id)
    lifecycle = storage.lifecycle_of(contract)
    if delivery_dates(lifecycle, day, day + timedelta(days=1)) == [day]:
        materialize(ctx, contract, day)
    return next_delivery(lifecycle, day + timedelta(days=1))


def upcoming(ctx: TenantContext, contract_id: str, count: int) -> list[date]:
    contract = storage.get(ctx, contract_id)
    if not is_physical(ctx, contract):
        return []
    lifecycle = storage.lifecycle_of(contract)
    today = ctx.today()
    return delivery_dates(lifecycle, today, date(today.year + 10, 1, 1))[:count]


def list_deliveries(
    ctx: TenantContext,
    page: PageRequest,
    *,
    state: str | None = None,
    contract_id: str | None = None,
) -> Page[dict[str, Any]]:
    criteria = []
    if state is not None:
        criteria.append(deliveries.c.state == state)
    if contract_id is not None:
        criteria.append(deliveries.c.contract_id == contract_id)
    return ctx.scope.page(deliveries, page, *criteria)


def export_csv(ctx: TenantContext, state: str = "scheduled") -> str:
    """All deliveries in ``state`` as CSV for the fulfilment system, oldest due first."""
    rows = ctx.scope.rows(
        ctx.scope.select(deliveries)
        .where(deliveries.c.state == state)
        .order_by(deliveries.c.due_on, deliveries.c.id)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        address = row["shipping_address"]
        items = "; ".join(
            f"{i['quantity']} x {i['name']}" + (f" ({i['sku']})" if i["sku"] else "")
            for i in row["items"]
        )
        writer.writerow(
            [
                row["id"],
                row["due_on"].isoformat(),
                row["contract_id"],
                row["customer_id"],
                row["recipient"],
                address["street"],
                address.get("house_number") or "",
                address.get("address_line_2") or "",
                address["postcode"],
                address["city"],
                address["country"],
                items,
            ]
        )
    return buffer.getvalue()


def ship(ctx: TenantContext, delivery_id: str, tracking_number: str | None) -> dict[str, Any]:
    before = ctx.scope.get(deliveries, delivery_id, what="delivery", for_update=True)
    if before["state"] != "scheduled":
        raise Conflict(f"Delivery '{delivery_id}' is already {before['state']}.")
    ctx.scope.update(
        deliveries,
        delivery_id,
        {"state": "shipped", "shipped_at": ctx.now(), "tracking_number": tracking_number},
    )
    after = ctx.scope.get(deliveries, delivery_id, what="delivery")
    storage.record_event(
        ctx,
        before["contract_id"],
        "delivery_shipped",
        ctx.today(),
        {"delivery_id": delivery_id, "tracking_number": tracking_number},
        None,
    )
    audit.record(
        ctx,
        object_type="delivery",
        object_id=delivery_id,
        action="shipped",
        before=before,
        after=after,
    )
    return after
