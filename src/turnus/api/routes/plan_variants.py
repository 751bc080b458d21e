"""Plan variants: term-dependent conditions and the fee per billing period."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from turnus.api.archive_routes import add_archive_routes
from turnus.api.catalog_schemas import (
    IntervalIn,
    IntervalOut,
    PriceIn,
    PriceOut,
    domain_prices,
)
from turnus.api.deps import Context, Pagination
from turnus.api.price_version_routes import add_price_version_routes
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, non_null_changes, problem_responses
from turnus.domain.catalog.model import ContractTerms, RenewalMode
from turnus.services.catalog import price_versions, variants
from turnus.services.context import TenantContext

router = APIRouter(
    prefix="/v1/plan_variants", tags=["catalog: plan variants"], route_class=TenantRoute
)

TERMS_EXAMPLE: dict[str, Any] = {
    "billing_interval": {"unit": "month", "count": 1},
    "minimum_term": {"unit": "month", "count": 12},
    "renewal": "convert_indefinite",
    "notice_period": {"unit": "month", "count": 1},
    "notice_period_after_conversion": {"unit": "month", "count": 1},
    "offered_to_consumers": True,
}
EXAMPLE: dict[str, Any] = {
    "plan_id": "pln_01m887c4g5frb9ztekvt48b713",
    "name_de": "12 Monate Laufzeit",
    "name_en": "12-month term",
    **TERMS_EXAMPLE,
    "self_service": True,
    "external_id": None,
}
TERM_FIELDS = frozenset(TERMS_EXAMPLE)


class VariantCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**EXAMPLE, "prices": [{"currency": "EUR", "amount": "11.90"}]}]
        }
    )

    plan_id: str
    name_de: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    billing_interval: IntervalIn = Field(description="Billing period, e.g. 1 month, 2 weeks")
    minimum_term: IntervalIn | None = Field(None, description="null: no commitment")
    renewal: RenewalMode = Field(
        RenewalMode.CONVERT_INDEFINITE, description="What happens at the end of the minimum term"
    )
    notice_period: IntervalIn | None = Field(None, description="Before the end of a term")
    notice_period_after_conversion: IntervalIn | None = Field(
        None, description="Once running indefinitely; null: cancel any time"
    )
    offered_to_consumers: bool = Field(True, description="Checked against §309 Nr. 9 BGB")
    self_service: bool = True
    external_id: str | None = Field(None, max_length=100)
    prices: list[PriceIn] = Field(min_length=1, description="Fee per billing period, per currency")
    effective_from: date | None = Field(None, description="Of the first prices; default today")

    def terms(self) -> ContractTerms:
        return ContractTerms(
            billing_interval=self.billing_interval.domain(),
            minimum_term=self.minimum_term.domain() if self.minimum_term else None,
            renewal=self.renewal,
            notice_period=self.notice_period.domain() if self.notice_period else None,
            notice_period_after_conversion=(
                self.notice_period_after_conversion.domain()
                if self.notice_period_after_conversion
                else None
            ),
            offered_to_consumers=self.offered_to_consumers,
        )


class VariantPatch(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"self_service": False}]})

    name_de: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    billing_interval: IntervalIn | None = None
    minimum_term: IntervalIn | None = None
    renewal: RenewalMode | None = None
    notice_period: IntervalIn | None = None
    notice_period_after_conversion: IntervalIn | None = None
    offered_to_consumers: bool | None = None
    self_service: bool | None = None
    external_id: str | None = Field(None, max_length=100)


class VariantOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "var_01m887c4g5frb9ztekvt48b713",
                    **EXAMPLE,
                    "current_prices": [
                        {
                            "currency": "EUR",
                            "model": "flat",
                            "amount": "11.90",
                            "package_size": None,
                            "tiers": [],
                        }
                    ],
                    "archived_at": None,
                    "created_at": "2026-11-25T10:00:00+01:00",
                    "updated_at": "2026-11-25T10:00:00+01:00",
                }
            ]
        }
    )

    id: str
    plan_id: str
    name_de: str
    name_en: str | None
    billing_interval: IntervalOut
    minimum_term: IntervalOut | None
    renewal: RenewalMode
    notice_period: IntervalOut | None
    notice_period_after_conversion: IntervalOut | None
    offered_to_consumers: bool
    self_service: bool
    external_id: str | None
    current_prices: list[PriceOut] = Field(description="Prices for a contract signed today")
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


REQUIRED = frozenset(
    {"name_de", "billing_interval", "renewal", "offered_to_consumers", "self_service"}
)


def variant_out(ctx: TenantContext, row: dict[str, Any]) -> VariantOut:
    return VariantOut.model_validate(
        {**row, "current_prices": price_versions.current_prices(ctx, row["id"])}
    )


@router.post(
    "",
    status_code=201,
    response_model=VariantOut,
    summary="Create a plan variant",
    responses=problem_responses(),
)
def create_variant(body: VariantCreate, ctx: Context) -> VariantOut:
    values = body.model_dump(
        include={"plan_id", "name_de", "name_en", "self_service", "external_id"}
    )
    row = variants.create_variant(
        ctx, values, body.terms(), domain_prices(body.prices), body.effective_from
    )
    return variant_out(ctx, row)


@router.get(
    "",
    response_model=ListOf[VariantOut],
    summary="List plan variants (newest first)",
    responses=problem_responses(),
)
def list_variants(
    ctx: Context,
    page: Pagination,
    plan_id: Annotated[str | None, Query(description="Variants of one plan")] = None,
    include_archived: Annotated[bool, Query(description="Also archived variants")] = False,
) -> ListOf[VariantOut]:
    result = variants.list_variants(ctx, page, plan_id, include_archived=include_archived)
    return ListOf[VariantOut](
        data=[variant_out(ctx, r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/{variant_id}",
    response_model=VariantOut,
    summary="Retrieve a plan variant",
    responses=problem_responses(404),
)
def get_variant(variant_id: str, ctx: Context) -> VariantOut:
    return variant_out(ctx, variants.get_variant(ctx, variant_id))


@router.patch(
    "/{variant_id}",
    response_model=VariantOut,
    summary="Change a plan variant",
    responses=problem_responses(404, 409),
)
def patch_variant(variant_id: str, body: VariantPatch, ctx: Context) -> VariantOut:
    changes = non_null_changes(body, REQUIRED)
    term_changes = {}
    for name in TERM_FIELDS & changes.keys():
        value = getattr(body, name)
        term_changes[name] = value.domain() if isinstance(value, IntervalIn) else value
        del changes[name]
    return variant_out(ctx, variants.update_variant(ctx, variant_id, changes, term_changes))


add_archive_routes(
    router,
    label="plan variant",
    out_model=VariantOut,
    present=variant_out,
    archive=variants.archive_variant,
    delete=variants.delete_variant,
)


add_price_version_routes(
    router,
    label="plan variant",
    add=variants.add_price_version,
    get_owner=variants.get_variant,
    add_summary="Change a variant's fee from a date on (grandfathered unless migrated)",
)
