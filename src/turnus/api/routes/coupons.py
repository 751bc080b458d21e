"""Coupons."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, non_null_changes, problem_responses
from turnus.domain.catalog.coupons import DiscountDuration, DiscountKind
from turnus.services.catalog import coupons
from turnus.services.context import TenantContext

router = APIRouter(prefix="/v1/coupons", tags=["catalog: coupons"], route_class=TenantRoute)

EXAMPLE: dict[str, Any] = {
    "code": "SOMMER24",
    "name": "Sommeraktion: 20 % für 3 Monate",
    "kind": "percent",
    "percent": "20",
    "amounts": [],
    "duration": "repeating",
    "duration_periods": 3,
    "targets": {
        "plan_ids": ["pln_01m887c4g5frb9ztekvt48b713"],
        "variant_ids": [],
        "component_ids": [],
    },
    "valid_from": "2026-06-01",
    "valid_until": "2026-08-31",
    "max_redemptions": 500,
    "max_redemptions_per_customer": 1,
}


class AmountIn(StrictInput):
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal = Field(description="Major units, e.g. 5.00")


class TargetsIn(StrictInput):
    plan_ids: list[str] = Field(default_factory=list)
    variant_ids: list[str] = Field(default_factory=list)
    component_ids: list[str] = Field(default_factory=list)


class CouponCreate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    code: str = Field(description="Case-insensitive; A-Z, 0-9, - and _, 3-40 characters")
    name: str = Field(min_length=1, max_length=200)
    kind: DiscountKind
    percent: Decimal | None = Field(None, description="percent: 0 < p <= 100")
    amounts: list[AmountIn] = Field(
        default_factory=list, description="fixed_amount: per currency, per period"
    )
    duration: DiscountDuration
    duration_periods: int | None = Field(None, description="repeating: number of periods")
    targets: TargetsIn = Field(default_factory=TargetsIn, description="Empty: everything")
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="Inclusive")
    max_redemptions: int | None = None
    max_redemptions_per_customer: int | None = None


class CouponPatch(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"valid_until": "2026-09-30"}]})

    name: str | None = Field(None, min_length=1, max_length=200)
    valid_until: date | None = None
    max_redemptions: int | None = None
    max_redemptions_per_customer: int | None = None


class AmountOut(BaseModel):
    currency: str
    amount: Decimal


class TargetsOut(BaseModel):
    plan_ids: list[str]
    variant_ids: list[str]
    component_ids: list[str]


class CouponOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cpn_01m887c4g5frb9ztekvt48b713",
                    **EXAMPLE,
                    "redemptions": 12,
                    "redeemable": True,
                    "archived_at": None,
                    "created_at": "2026-05-20T10:00:00+02:00",
                    "updated_at": "2026-05-20T10:00:00+02:00",
                }
            ]
        }
    )

    id: str
    code: str
    name: str
    kind: DiscountKind
    percent: Decimal | None
    amounts: list[AmountOut]
    duration: DiscountDuration
    duration_periods: int | None
    targets: TargetsOut
    valid_from: date | None
    valid_until: date | None
    max_redemptions: int | None
    max_redemptions_per_customer: int | None
    redemptions: int
    redeemable: bool = Field(description="Active, within validity and below its limit today")
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


def coupon_out(ctx: TenantContext, row: dict[str, Any]) -> CouponOut:
    return CouponOut.model_validate(
        {**coupons.present(row), "redeemable": coupons.redeemable_today(ctx, row["id"])}
    )


@router.post(
    "",
    status_code=201,
    response_model=CouponOut,
    summary="Create a coupon",
    responses=problem_responses(409),
)
def create_coupon(body: CouponCreate, ctx: Context) -> CouponOut:
    values = body.model_dump(exclude={"amounts", "targets"})
    row = coupons.create_coupon(
        ctx, values, [(a.currency, a.amount) for a in body.amounts], body.targets.model_dump()
    )
    return coupon_out(ctx, row)


@router.get(
    "",
    response_model=ListOf[CouponOut],
    summary="List coupons (newest first)",
    responses=problem_responses(),
)
def list_coupons(
    ctx: Context,
    page: Pagination,
    code: Annotated[str | None, Query(description="Find by code (case-insensitive)")] = None,
    include_archived: Annotated[bool, Query(description="Also archived coupons")] = False,
) -> ListOf[CouponOut]:
    if code is not None:
        found = coupons.find_by_code(ctx, code)
        rows = [found] if found and (include_archived or found["archived_at"] is None) else []
        return ListOf[CouponOut](data=[coupon_out(ctx, r) for r in rows], has_more=False)
    result = coupons.list_coupons(ctx, page, include_archived=include_archived)
    return ListOf[CouponOut](
        data=[coupon_out(ctx, r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/{coupon_id}",
    response_model=CouponOut,
    summary="Retrieve a coupon",
    responses=problem_responses(404),
)
def get_coupon(coupon_id: str, ctx: Context) -> CouponOut:
    return coupon_out(ctx, coupons.get_coupon(ctx, coupon_id))


@router.patch(
    "/{coupon_id}",
    response_model=CouponOut,
    summary="Change a coupon's name, end of validity or limits",
    responses=problem_responses(404, 409),
)
def patch_coupon(coupon_id: str, body: CouponPatch, ctx: Context) -> CouponOut:
    changes = non_null_changes(body, frozenset({"name"}))
    return coupon_out(ctx, coupons.update_coupon(ctx, coupon_id, changes))


@router.post(
    "/{coupon_id}/archive",
    response_model=CouponOut,
    summary="Archive a coupon: it can no longer be redeemed",
    responses=problem_responses(404),
)
def archive_coupon(coupon_id: str, ctx: Context) -> CouponOut:
    return coupon_out(ctx, coupons.archive_coupon(ctx, coupon_id))
