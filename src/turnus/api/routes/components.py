"""Components: add-ons, extra charges and metered usage, with their price versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from turnus.api.archive_routes import add_archive_routes
from turnus.api.catalog_schemas import (
    PRICE_EXAMPLES,
    PriceIn,
    PriceOut,
    domain_prices,
)
from turnus.api.deps import Context, Pagination
from turnus.api.price_version_routes import add_price_version_routes
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, non_null_changes, problem_responses
from turnus.domain.catalog.model import Aggregation, ChargeType
from turnus.services.catalog import components, price_versions
from turnus.services.context import TenantContext

router = APIRouter(prefix="/v1/components", tags=["catalog: components"], route_class=TenantRoute)

EXAMPLE: dict[str, Any] = {
    "product_id": "prd_01m887c4g5frb9ztekvt48b713",
    "name_de": "API-Aufrufe",
    "name_en": "API calls",
    "charge_type": "metered",
    "unit_name": "call",
    "aggregation": "sum",
    "included_quantity": "10000",
    "prorate": False,
    "self_service": True,
    "external_id": None,
}


class ComponentCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**EXAMPLE, "prices": [PRICE_EXAMPLES[2]], "effective_from": None}]
        }
    )

    product_id: str
    name_de: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    charge_type: ChargeType
    unit_name: str | None = Field(None, max_length=60, description="e.g. seat, box, call")
    aggregation: Aggregation | None = Field(None, description="metered only")
    included_quantity: Decimal = Field(Decimal(0), description="Free quota per period")
    prorate: bool = Field(True, description="Prorate by days on mid-period changes")
    self_service: bool = True
    external_id: str | None = Field(None, max_length=100)
    prices: list[PriceIn] = Field(min_length=1)
    effective_from: date | None = Field(None, description="Of the first prices; default today")


class ComponentPatch(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"included_quantity": "20000"}]})

    name_de: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    unit_name: str | None = Field(None, max_length=60)
    aggregation: Aggregation | None = None
    included_quantity: Decimal | None = None
    prorate: bool | None = None
    self_service: bool | None = None
    external_id: str | None = Field(None, max_length=100)


class ComponentOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cmp_01m887c4g5frb9ztekvt48b713",
                    **EXAMPLE,
                    "archived_at": None,
                    "current_prices": [
                        {
                            "currency": "EUR",
                            "model": "per_unit",
                            "amount": "0.0125",
                            "package_size": None,
                            "tiers": [],
                        }
                    ],
                    "created_at": "2026-11-25T10:00:00+01:00",
                    "updated_at": "2026-11-25T10:00:00+01:00",
                }
            ]
        }
    )

    id: str
    product_id: str
    name_de: str
    name_en: str | None
    charge_type: ChargeType
    unit_name: str | None
    aggregation: Aggregation | None
    included_quantity: Decimal
    prorate: bool
    self_service: bool
    external_id: str | None
    current_prices: list[PriceOut] = Field(description="Prices for a contract signed today")
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


REQUIRED = frozenset({"name_de", "included_quantity", "prorate", "self_service"})


def component_out(ctx: TenantContext, row: dict[str, Any]) -> ComponentOut:
    prices = price_versions.current_prices(ctx, row["id"])
    return ComponentOut.model_validate({**row, "current_prices": prices})


@router.post(
    "",
    status_code=201,
    response_model=ComponentOut,
    summary="Create a component",
    responses=problem_responses(),
)
def create_component(body: ComponentCreate, ctx: Context) -> ComponentOut:
    values = body.model_dump(exclude={"prices", "effective_from"})
    values["charge_type"] = body.charge_type.value
    values["aggregation"] = body.aggregation.value if body.aggregation else None
    row = components.create_component(ctx, values, domain_prices(body.prices), body.effective_from)
    return component_out(ctx, row)


@router.get(
    "",
    response_model=ListOf[ComponentOut],
    summary="List components (newest first)",
    responses=problem_responses(),
)
def list_components(
    ctx: Context,
    page: Pagination,
    include_archived: Annotated[bool, Query(description="Also archived components")] = False,
) -> ListOf[ComponentOut]:
    result = components.list_components(ctx, page, include_archived=include_archived)
    return ListOf[ComponentOut](
        data=[component_out(ctx, r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/{component_id}",
    response_model=ComponentOut,
    summary="Retrieve a component",
    responses=problem_responses(404),
)
def get_component(component_id: str, ctx: Context) -> ComponentOut:
    return component_out(ctx, components.get_component(ctx, component_id))


@router.patch(
    "/{component_id}",
    response_model=ComponentOut,
    summary="Change a component",
    responses=problem_responses(404, 409),
)
def patch_component(component_id: str, body: ComponentPatch, ctx: Context) -> ComponentOut:
    changes = non_null_changes(body, REQUIRED)
    if changes.get("aggregation") is not None:
        changes["aggregation"] = changes["aggregation"].value
    return component_out(ctx, components.update_component(ctx, component_id, changes))


add_archive_routes(
    router,
    label="component",
    out_model=ComponentOut,
    present=component_out,
    archive=components.archive_component,
    delete=components.delete_component,
)


add_price_version_routes(
    router,
    label="component",
    add=components.add_price_version,
    get_owner=components.get_component,
    add_summary="Change a component's prices from a date on",
)
