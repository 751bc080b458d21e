"""Plans: sellable offers of a product."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.archive_routes import add_archive_routes
from turnus.api.catalog_schemas import IntervalIn, IntervalOut, PriceIn, PriceOut, domain_prices
from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, non_null_changes, problem_responses
from turnus.domain.catalog.model import BillingTiming, Intro, Trial
from turnus.services.catalog import plans

router = APIRouter(prefix="/v1/plans", tags=["catalog: plans"], route_class=TenantRoute)

EXAMPLE: dict[str, Any] = {
    "product_id": "prd_01m887c4g5frb9ztekvt48b713",
    "name_de": "Kaffee-Abo Classic",
    "name_en": "Coffee subscription Classic",
    "description_de": "Jeden Monat frisch geröstet",
    "description_en": None,
    "billing_timing": "in_advance",
    "self_service": True,
    "change_timing": "immediate",
    "trial": {"length": {"unit": "day", "count": 14}, "prices": [], "bill_components": False},
    "intro": {"periods": 3, "prices": [{"currency": "EUR", "amount": "9.90"}]},
    "setup_fee": [{"currency": "EUR", "amount": "4.90"}],
    "included_components": [{"component_id": "cmp_01m887c4g5frb9ztekvt48b713", "quantity": "1"}],
    "addon_components": ["cmp_01m887c4g5frb9ztekvt48b7zz"],
    "external_id": None,
}


class TrialIn(StrictInput):
    length: IntervalIn
    prices: list[PriceIn] = Field(
        default_factory=list, description="Price for the whole trial; empty: free"
    )
    bill_components: bool = Field(False, description="Charge components during the trial")

    def domain(self) -> Trial:
        return Trial(self.length.domain(), tuple(domain_prices(self.prices)), self.bill_components)


class IntroIn(StrictInput):
    periods: int = Field(ge=1, le=120, description="Billing periods at the intro price")
    prices: list[PriceIn] = Field(min_length=1, description="Fee per period, per currency")

    def domain(self) -> Intro:
        return Intro(self.periods, tuple(domain_prices(self.prices)))


class IncludedComponentIn(StrictInput):
    component_id: str
    quantity: Decimal = Field(Decimal(1), description="Quantity booked with the plan")


class PlanCreate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    product_id: str
    name_de: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description_de: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    billing_timing: BillingTiming = BillingTiming.IN_ADVANCE
    self_service: bool = Field(True, description="Bookable and changeable in self-service")
    change_timing: Literal["immediate", "end_of_period"] = Field(
        "immediate", description="When up/downgrades take effect unless an order overrides it"
    )
    trial: TrialIn | None = None
    intro: IntroIn | None = None
    setup_fee: list[PriceIn] = Field(default_factory=list, description="One-time, per currency")
    included_components: list[IncludedComponentIn] = Field(default_factory=list)
    addon_components: list[str] = Field(
        default_factory=list, description="Components bookable as add-ons"
    )
    external_id: str | None = Field(None, max_length=100)


class PlanPatch(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"self_service": False}]})

    name_de: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description_de: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    billing_timing: BillingTiming | None = None
    self_service: bool | None = None
    change_timing: Literal["immediate", "end_of_period"] | None = None
    trial: TrialIn | None = None
    intro: IntroIn | None = None
    setup_fee: list[PriceIn] | None = None
    included_components: list[IncludedComponentIn] | None = None
    addon_components: list[str] | None = None
    external_id: str | None = Field(None, max_length=100)


class TrialOut(BaseModel):
    length: IntervalOut
    prices: list[PriceOut]
    bill_components: bool


class IntroOut(BaseModel):
    periods: int
    prices: list[PriceOut]


class IncludedComponentOut(BaseModel):
    component_id: str
    quantity: Decimal


class PlanOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "pln_01m887c4g5frb9ztekvt48b713",
                    **EXAMPLE,
                    "archived_at": None,
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
    description_de: str | None
    description_en: str | None
    billing_timing: BillingTiming
    self_service: bool
    change_timing: str
    trial: TrialOut | None
    intro: IntroOut | None
    setup_fee: list[PriceOut]
    included_components: list[IncludedComponentOut]
    addon_components: list[str]
    external_id: str | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


REQUIRED = frozenset(
    {
        "name_de",
        "billing_timing",
        "self_service",
        "change_timing",
        "setup_fee",
        "included_components",
        "addon_components",
    }
)
STRUCTURED = ("trial", "intro", "setup_fee", "included_components", "addon_components")


def _included(items: list[IncludedComponentIn]) -> list[dict[str, Any]]:
    return [{"component_id": i.component_id, "quantity": i.quantity} for i in items]


@router.post(
    "",
    status_code=201,
    response_model=PlanOut,
    summary="Create a plan",
    responses=problem_responses(),
)
def create_plan(body: PlanCreate, ctx: Context) -> PlanOut:
    values = body.model_dump(exclude=set(STRUCTURED))
    row = plans.create_plan(
        ctx,
        values,
        trial=body.trial.domain() if body.trial else None,
        intro=body.intro.domain() if body.intro else None,
        setup_fee=domain_prices(body.setup_fee),
        included=_included(body.included_components),
        addons=body.addon_components,
    )
    return PlanOut.model_validate(row)


@router.get(
    "",
    response_model=ListOf[PlanOut],
    summary="List plans (newest first)",
    responses=problem_responses(),
)
def list_plans(
    ctx: Context,
    page: Pagination,
    product_id: Annotated[str | None, Query(description="Plans of one product")] = None,
    include_archived: Annotated[bool, Query(description="Also archived plans")] = False,
) -> ListOf[PlanOut]:
    result = plans.list_plans(ctx, page, product_id, include_archived=include_archived)
    return ListOf[PlanOut](
        data=[PlanOut.model_validate(r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/{plan_id}",
    response_model=PlanOut,
    summary="Retrieve a plan",
    responses=problem_responses(404),
)
def get_plan(plan_id: str, ctx: Context) -> PlanOut:
    return PlanOut.model_validate(plans.get_plan(ctx, plan_id))


@router.patch(
    "/{plan_id}",
    response_model=PlanOut,
    summary="Change a plan",
    responses=problem_responses(404, 409),
)
def patch_plan(plan_id: str, body: PlanPatch, ctx: Context) -> PlanOut:
    changes = non_null_changes(body, REQUIRED)
    structured: dict[str, Any] = {}
    if "trial" in changes:
        structured["trial"] = body.trial.domain() if body.trial else None
    if "intro" in changes:
        structured["intro"] = body.intro.domain() if body.intro else None
    if body.setup_fee is not None:
        structured["setup_fee"] = domain_prices(body.setup_fee)
    if body.included_components is not None:
        structured["included"] = _included(body.included_components)
    if body.addon_components is not None:
        structured["addons"] = body.addon_components
    plain = {k: v for k, v in changes.items() if k not in STRUCTURED}
    return PlanOut.model_validate(plans.update_plan(ctx, plan_id, plain, structured))


add_archive_routes(
    router,
    label="plan",
    out_model=PlanOut,
    present=lambda ctx, row: PlanOut.model_validate(row),
    archive=plans.archive_plan,
    delete=plans.delete_plan,
)
