"""Components: add-ons and extra charges (recurring, one-time, metered usage)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from turnus.domain.catalog.model import ChargeType, Price
from turnus.domain.errors import FieldError, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records
from turnus.services.catalog import price_versions
from turnus.services.catalog.products import PRODUCT
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import components, plans

COMPONENT = records.Kind(components, "cmp", "component", "component")
REFERENCES = (
    records.Reference(plans, "included_components", "a plan", json_contains=True),
    records.Reference(plans, "addon_components", "a plan", json_contains=True),
)


def _check_usage_settings(values: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    metered = values["charge_type"] == ChargeType.METERED.value
    if metered and not values.get("aggregation"):
        errors.append(FieldError("/aggregation", "a metered component needs an aggregation"))
    if not metered and values.get("aggregation"):
        errors.append(FieldError("/aggregation", "only metered components aggregate usage"))
    if Decimal(values.get("included_quantity") or 0) < 0:
        errors.append(FieldError("/included_quantity", "must not be negative"))
    if errors:
        raise ValidationFailed("The component is not valid.", errors)


def create_component(
    ctx: TenantContext,
    values: dict[str, Any],
    prices: Sequence[Price],
    effective_from: date | None = None,
) -> dict[str, Any]:
    records.get_active(ctx, PRODUCT, values["product_id"], "/product_id")
    _check_usage_settings(values)
    price_versions.check_prices(prices, "/prices")
    row = records.create(ctx, COMPONENT, values)
    price_versions.add_version(
        ctx,
        owner_type=COMPONENT.object_type,
        owner_id=row["id"],
        prices=prices,
        effective_from=effective_from,
        initial=True,
    )
    return row


def update_component(
    ctx: TenantContext, component_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    if {"aggregation", "included_quantity"} & changes.keys():
        current = records.get(ctx, COMPONENT, component_id)
        _check_usage_settings({**current, **changes})
    return records.update(ctx, COMPONENT, component_id, changes)


def get_component(ctx: TenantContext, component_id: str) -> dict[str, Any]:
    return records.get(ctx, COMPONENT, component_id)


def list_components(
    ctx: TenantContext, page: PageRequest, *, include_archived: bool = False
) -> Page[dict[str, Any]]:
    return records.listing(ctx, COMPONENT, page, include_archived=include_archived)


def archive_component(ctx: TenantContext, component_id: str) -> dict[str, Any]:
    return records.archive(ctx, COMPONENT, component_id)


def delete_component(ctx: TenantContext, component_id: str) -> None:
    records.delete(ctx, COMPONENT, component_id, REFERENCES)


def add_price_version(
    ctx: TenantContext,
    component_id: str,
    prices: Sequence[Price],
    effective_from: date | None,
    migrate_existing: bool,
    note: str | None,
) -> dict[str, Any]:
    return price_versions.add_for(
        ctx, COMPONENT, component_id, prices, effective_from, migrate_existing, note
    )
