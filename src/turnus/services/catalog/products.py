"""Products: what is sold (service, physical good, digital), with its tax category."""

from __future__ import annotations

from typing import Any

from turnus.domain.errors import Conflict
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import components, plans, products

PRODUCT = records.Kind(products, "prd", "product", "product")
REFERENCES = (
    records.Reference(plans, "product_id", "a plan"),
    records.Reference(components, "product_id", "a component"),
)


def _unique_sku(ctx: TenantContext, sku: str | None, own_id: str | None = None) -> None:
    if sku is None:
        return
    criteria = [products.c.sku == sku]
    if own_id is not None:
        criteria.append(products.c.id != own_id)
    if ctx.scope.count(products, *criteria):
        raise Conflict(f"Another product already has the SKU '{sku}'.")


def create_product(ctx: TenantContext, values: dict[str, Any]) -> dict[str, Any]:
    _unique_sku(ctx, values.get("sku"))
    return records.create(ctx, PRODUCT, values)


def update_product(ctx: TenantContext, product_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    if "sku" in changes:
        _unique_sku(ctx, changes["sku"], product_id)
    return records.update(ctx, PRODUCT, product_id, changes)


def get_product(ctx: TenantContext, product_id: str) -> dict[str, Any]:
    return records.get(ctx, PRODUCT, product_id)


def list_products(
    ctx: TenantContext, page: PageRequest, *, include_archived: bool = False
) -> Page[dict[str, Any]]:
    return records.listing(ctx, PRODUCT, page, include_archived=include_archived)


def archive_product(ctx: TenantContext, product_id: str) -> dict[str, Any]:
    return records.archive(ctx, PRODUCT, product_id)


def delete_product(ctx: TenantContext, product_id: str) -> None:
    records.delete(ctx, PRODUCT, product_id, REFERENCES)
