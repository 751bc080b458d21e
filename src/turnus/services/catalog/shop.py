"""The read-only catalog for a shop front end: every bookable plan with its variants and the
prices a customer signing up today would get."""

from __future__ import annotations

from typing import Any

from turnus.domain.catalog.model import PriceVersion
from turnus.services.catalog import price_versions
from turnus.services.catalog.codec import prices_doc
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import components, plan_variants, plans, products


def _prices(version: PriceVersion | None, currency: str | None) -> list[dict[str, Any]]:
    if version is None:
        return []
    chosen = [p for p in version.prices if currency is None or p.currency == currency]
    return prices_doc(chosen)


def bookable_catalog(ctx: TenantContext, currency: str | None = None) -> list[dict[str, Any]]:
    """Plans (self-service, not archived, of a product not archived) with their self-service
    variants; a variant without a price in ``currency`` is left out."""
    today = ctx.today()
    scope = ctx.scope
    product_rows = {
        p["id"]: p
        for p in scope.rows(scope.select(products).where(products.c.archived_at.is_(None)))
    }
    component_rows = {
        c["id"]: c
        for c in scope.rows(scope.select(components).where(components.c.archived_at.is_(None)))
    }
    variant_rows = scope.rows(
        scope.select(plan_variants)
        .where(plan_variants.c.archived_at.is_(None), plan_variants.c.self_service.is_(True))
        .order_by(plan_variants.c.id)
    )
    plan_rows = scope.rows(
        scope.select(plans)
        .where(plans.c.archived_at.is_(None), plans.c.self_service.is_(True))
        .order_by(plans.c.id)
    )

    def component_entry(component_id: str, quantity: str | None) -> dict[str, Any] | None:
        component = component_rows.get(component_id)
        if component is None:
            return None
        version = price_versions.current_version(ctx, component_id, today)
        return {
            "component": component,
            "quantity": quantity,
            "prices": _prices(version, currency),
        }

    result = []
    for plan in plan_rows:
        if plan["product_id"] not in product_rows:
            continue
        offered = []
        for variant in (v for v in variant_rows if v["plan_id"] == plan["id"]):
            prices = _prices(price_versions.current_version(ctx, variant["id"], today), currency)
            if prices:
                offered.append({"variant": variant, "prices": prices})
        if not offered:
            continue
        included = [
            component_entry(i["component_id"], i["quantity"]) for i in plan["included_components"]
        ]
        addons = [component_entry(c, None) for c in plan["addon_components"]]
        result.append(
            {
                "plan": plan,
                "product": product_rows[plan["product_id"]],
                "variants": offered,
                "included_components": [c for c in included if c is not None],
                "addons": [c for c in addons if c is not None and c["component"]["self_service"]],
            }
        )
    return result
