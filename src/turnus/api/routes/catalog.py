"""The read-only catalog for a shop front end."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.catalog_schemas import PriceOut
from turnus.api.deps import Context
from turnus.api.routes.components import ComponentOut
from turnus.api.routes.plan_variants import VariantOut
from turnus.api.routes.plans import PlanOut
from turnus.api.routes.products import ProductOut
from turnus.api.routing import TenantRoute
from turnus.api.schemas import problem_responses
from turnus.domain.errors import ValidationFailed
from turnus.domain.money import is_iso_currency
from turnus.services.catalog import shop

router = APIRouter(prefix="/v1/catalog", tags=["catalog: shop"], route_class=TenantRoute)


class OfferedVariant(BaseModel):
    variant: VariantOut
    prices: list[PriceOut] = Field(description="Fee per billing period for a signup today")


class OfferedComponent(BaseModel):
    component: ComponentOut
    quantity: str | None = Field(description="Included quantity; null for add-ons")
    prices: list[PriceOut]


class OfferedPlan(BaseModel):
    plan: PlanOut
    product: ProductOut
    variants: list[OfferedVariant]
    included_components: list[OfferedComponent]
    addons: list[OfferedComponent]


class Catalog(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [], "currency": "EUR"}]})

    data: list[OfferedPlan]
    currency: str | None


def _with_prices(row: dict[str, Any], prices: list[dict[str, Any]]) -> dict[str, Any]:
    return {**row, "current_prices": prices}


@router.get(
    "",
    response_model=Catalog,
    summary="All bookable plans with their variants and current prices",
    responses=problem_responses(),
)
def get_catalog(
    ctx: Context,
    currency: Annotated[
        str | None, Query(description="Only prices in this ISO 4217 currency")
    ] = None,
) -> Catalog:
    if currency is not None and not is_iso_currency(currency):
        raise ValidationFailed.field("/currency", f"'{currency}' is not an ISO 4217 currency code")
    offers = shop.bookable_catalog(ctx, currency)
    data = []
    for offer in offers:
        data.append(
            OfferedPlan(
                plan=PlanOut.model_validate(offer["plan"]),
                product=ProductOut.model_validate(offer["product"]),
                variants=[
                    OfferedVariant(
                        variant=VariantOut.model_validate(_with_prices(v["variant"], v["prices"])),
                        prices=v["prices"],
                    )
                    for v in offer["variants"]
                ],
                included_components=[_component(c) for c in offer["included_components"]],
                addons=[_component(c) for c in offer["addons"]],
            )
        )
    return Catalog(data=data, currency=currency)


def _component(entry: dict[str, Any]) -> OfferedComponent:
    return OfferedComponent(
        component=ComponentOut.model_validate(_with_prices(entry["component"], entry["prices"])),
        quantity=entry["quantity"],
        prices=entry["prices"],
    )
