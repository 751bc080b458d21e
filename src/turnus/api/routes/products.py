"""Products."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from turnus.api.archive_routes import add_archive_routes
from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, non_null_changes, problem_responses
from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.services.catalog import products

router = APIRouter(prefix="/v1/products", tags=["catalog: products"], route_class=TenantRoute)

EXAMPLE: dict[str, Any] = {
    "name_de": "Kaffee Hausmischung 500 g",
    "name_en": "House blend coffee 500 g",
    "description_de": "Frisch geröstet",
    "description_en": "Freshly roasted",
    "kind": "physical",
    "tax_category": "reduced",
    "sku": "KAF-500",
    "external_id": None,
}


class ProductCreate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    name_de: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description_de: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    kind: ProductKind
    tax_category: TaxCategory = TaxCategory.STANDARD
    sku: str | None = Field(None, min_length=1, max_length=64)
    external_id: str | None = Field(None, max_length=100)


class ProductPatch(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name_en": "House blend"}]})

    name_de: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description_de: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    kind: ProductKind | None = None
    tax_category: TaxCategory | None = None
    sku: str | None = Field(None, min_length=1, max_length=64)
    external_id: str | None = Field(None, max_length=100)


class ProductOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "prd_01m887c4g5frb9ztekvt48b713",
                    **EXAMPLE,
                    "archived_at": None,
                    "created_at": "2026-11-25T10:00:00+01:00",
                    "updated_at": "2026-11-25T10:00:00+01:00",
                }
            ]
        }
    )

    id: str
    name_de: str
    name_en: str | None
    description_de: str | None
    description_en: str | None
    kind: ProductKind
    tax_category: TaxCategory
    sku: str | None
    external_id: str | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


REQUIRED = frozenset({"name_de", "kind", "tax_category"})


@router.post(
    "",
    status_code=201,
    response_model=ProductOut,
    summary="Create a product",
    responses=problem_responses(409),
)
def create_product(body: ProductCreate, ctx: Context) -> ProductOut:
    return ProductOut.model_validate(products.create_product(ctx, body.model_dump()))


@router.get(
    "",
    response_model=ListOf[ProductOut],
    summary="List products (newest first)",
    responses=problem_responses(),
)
def list_products(
    ctx: Context,
    page: Pagination,
    include_archived: Annotated[bool, Query(description="Also archived products")] = False,
) -> ListOf[ProductOut]:
    result = products.list_products(ctx, page, include_archived=include_archived)
    return ListOf[ProductOut](
        data=[ProductOut.model_validate(r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/{product_id}",
    response_model=ProductOut,
    summary="Retrieve a product",
    responses=problem_responses(404),
)
def get_product(product_id: str, ctx: Context) -> ProductOut:
    return ProductOut.model_validate(products.get_product(ctx, product_id))


@router.patch(
    "/{product_id}",
    response_model=ProductOut,
    summary="Change a product",
    responses=problem_responses(404, 409),
)
def patch_product(product_id: str, body: ProductPatch, ctx: Context) -> ProductOut:
    changes = non_null_changes(body, REQUIRED)
    return ProductOut.model_validate(products.update_product(ctx, product_id, changes))


add_archive_routes(
    router,
    label="product",
    out_model=ProductOut,
    present=lambda ctx, row: ProductOut.model_validate(row),
    archive=products.archive_product,
    delete=products.delete_product,
)
