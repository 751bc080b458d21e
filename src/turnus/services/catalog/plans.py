"""Plans: sellable offers of a product with trial, intro, setup fee and components."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from turnus.domain.catalog.model import Intro, Price, PricingModel, Trial
from turnus.domain.errors import FieldError, TurnusError, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records
from turnus.services.catalog import price_versions
from turnus.services.catalog.codec import (
    intro_doc,
    intro_of,
    prices_doc,
    prices_of,
    trial_doc,
    trial_of,
)
from turnus.services.catalog.components import COMPONENT
from turnus.services.catalog.products import PRODUCT
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import plan_variants, plans

PLAN = records.Kind(plans, "pln", "plan", "plan")
REFERENCES = (records.Reference(plan_variants, "plan_id", "a plan variant"),)
CHANGE_TIMINGS = ("immediate", "end_of_period")


def _flat(price: Price, pointer: str) -> list[FieldError]:
    if price.model is not PricingModel.FLAT:
        return [FieldError(f"{pointer}/model", "must be a flat amount")]
    return []


def _collect(errors: list[FieldError], check: Any, *args: Any) -> None:
    try:
        check(*args)
    except TurnusError as exc:
        errors.extend(exc.errors)


def _check_components(
    ctx: TenantContext, included: Sequence[dict[str, Any]], addons: Sequence[str]
) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, item in enumerate(included):
        pointer = f"/included_components/{index}"
        _collect(
            errors,
            records.get_active,
            ctx,
            COMPONENT,
            item["component_id"],
            f"{pointer}/component_id",
        )
        if item["component_id"] in seen:
            errors.append(FieldError(f"{pointer}/component_id", "is listed twice"))
        seen.add(item["component_id"])
        if Decimal(item["quantity"]) < 0:
            errors.append(FieldError(f"{pointer}/quantity", "must not be negative"))
    for index, component_id in enumerate(addons):
        pointer = f"/addon_components/{index}"
        _collect(errors, records.get_active, ctx, COMPONENT, component_id, pointer)
        if component_id in seen:
            errors.append(FieldError(pointer, "is already included or listed"))
        seen.add(component_id)
    return errors


def _plan_values(
    ctx: TenantContext,
    values: dict[str, Any],
    *,
    trial: Trial | None,
    intro: Intro | None,
    setup_fee: Sequence[Price],
    included: Sequence[dict[str, Any]],
    addons: Sequence[str],
) -> dict[str, Any]:
    errors: list[FieldError] = []
    if values.get("change_timing", "immediate") not in CHANGE_TIMINGS:
        errors.append(FieldError("/change_timing", f"must be one of {', '.join(CHANGE_TIMINGS)}"))
    if trial is not None and trial.prices:
        _collect(errors, price_versions.check_prices, trial.prices, "/trial/prices", _flat)
    if intro is not None:
        if intro.periods < 1:
            errors.append(FieldError("/intro/periods", "must be at least 1"))
        _collect(errors, price_versions.check_prices, intro.prices, "/intro/prices", _flat)
    if setup_fee:
        _collect(errors, price_versions.check_prices, setup_fee, "/setup_fee", _flat)
    errors.extend(_check_components(ctx, included, addons))
    if errors:
        raise ValidationFailed("The plan is not valid.", errors)
    return {
        **values,
        "trial": trial_doc(trial),
        "intro": intro_doc(intro),
        "setup_fee": prices_doc(setup_fee),
        "included_components": [
            {"component_id": i["component_id"], "quantity": format(Decimal(i["quantity"]), "f")}
            for i in included
        ],
        "addon_components": list(addons),
    }


def create_plan(
    ctx: TenantContext,
    values: dict[str, Any],
    *,
    trial: Trial | None = None,
    intro: Intro | None = None,
    setup_fee: Sequence[Price] = (),
    included: Sequence[dict[str, Any]] = (),
    addons: Sequence[str] = (),
) -> dict[str, Any]:
    records.get_active(ctx, PRODUCT, values["product_id"], "/product_id")
    row = _plan_values(
        ctx, values, trial=trial, intro=intro, setup_fee=setup_fee, included=included, addons=addons
    )
    return records.create(ctx, PLAN, row)


def update_plan(
    ctx: TenantContext, plan_id: str, changes: dict[str, Any], structured: dict[str, Any]
) -> dict[str, Any]:
    """``structured`` may hold trial, intro, setup_fee, included, addons (domain values);
    those not given keep their current value."""
    current = records.get(ctx, PLAN, plan_id)
    row = _plan_values(
        ctx,
        changes,
        trial=structured["trial"] if "trial" in structured else trial_of(current["trial"]),
        intro=structured["intro"] if "intro" in structured else intro_of(current["intro"]),
        setup_fee=structured.get("setup_fee", prices_of(current["setup_fee"])),
        included=structured.get("included", current["included_components"]),
        addons=structured.get("addons", current["addon_components"]),
    )
    return records.update(ctx, PLAN, plan_id, row)


def get_plan(ctx: TenantContext, plan_id: str) -> dict[str, Any]:
    return records.get(ctx, PLAN, plan_id)


def list_plans(
    ctx: TenantContext,
    page: PageRequest,
    product_id: str | None = None,
    *,
    include_archived: bool = False,
) -> Page[dict[str, Any]]:
    criteria = [plans.c.product_id == product_id] if product_id else []
    return records.listing(ctx, PLAN, page, *criteria, include_archived=include_archived)


def archive_plan(ctx: TenantContext, plan_id: str) -> dict[str, Any]:
    return records.archive(ctx, PLAN, plan_id)


def delete_plan(ctx: TenantContext, plan_id: str) -> None:
    records.delete(ctx, PLAN, plan_id, REFERENCES)
