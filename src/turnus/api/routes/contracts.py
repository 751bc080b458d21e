"""Contracts and orders (signup, pause, resume, skip, quantity changes, cancel, revoke, end
trial), with previews."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.catalog_schemas import IntervalOut
from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, problem_responses
from turnus.services.contracts import orders, queries

router = APIRouter(tags=["contracts and orders"], route_class=TenantRoute)


class ComponentQuantity(StrictInput):
    component_id: str
    quantity: Decimal = Field(description="Included components: overrides the plan's quantity")


class SignupOrder(StrictInput):
    type: Literal["signup"]
    customer_id: str
    variant_id: str
    currency: str | None = Field(None, description="Default: the customer's or merchant's")
    start_date: date | None = Field(None, description="Past, today (default) or future")
    billing_anchor_day: int | None = Field(
        None, ge=1, le=31, description="Day of month periods start on"
    )
    with_trial: bool = Field(True, description="Start with the plan's trial, if it has one")
    components: list[ComponentQuantity] = Field(default_factory=list)
    coupon_code: str | None = Field(None, description="Redeemed at signup (case-insensitive)")


class PauseOrder(StrictInput):
    type: Literal["pause"]
    contract_id: str
    start: date
    end: date = Field(description="Exclusive: the first day of service again")
    fee: Decimal | None = Field(
        None,
        description="Reduced fee per paused period (major units "
        "of the contract currency); default: free",
    )


class ResumeOrder(StrictInput):
    type: Literal["resume"]
    contract_id: str
    on: date | None = Field(None, description="Default: today")


class CancelOrder(StrictInput):
    type: Literal["cancel"]
    contract_id: str
    kind: Literal["ordinary", "immediate", "extraordinary", "withdrawal"] = "ordinary"
    received_on: date | None = Field(None, description="Default: today")
    requested_end: date | None = Field(
        None, description="Ordinary: a later end than the earliest possible"
    )
    reason: str | None = Field(None, max_length=500, description="Required if extraordinary")
    service_started_early: bool = Field(
        False,
        description="Withdrawal: the service began within the withdrawal period at the "
        "customer's request, so the days served are compensated",
    )


class RevokeOrder(StrictInput):
    type: Literal["revoke_cancellation"]
    contract_id: str


class EndTrialOrder(StrictInput):
    type: Literal["end_trial"]
    contract_id: str
    on: date | None = Field(None, description="Default: today")


class SkipOrder(StrictInput):
    type: Literal["skip"]
    contract_id: str
    period_start: date | None = Field(None, description="Default: the next period")


class ChangeQuantityOrder(StrictInput):
    type: Literal["change_quantity"]
    contract_id: str
    component_id: str
    quantity: Decimal = Field(description="New quantity; 0 removes the component")
    effective_on: date | None = Field(None, description="Default: today")


class ChangePlanOrder(StrictInput):
    type: Literal["change_plan"]
    contract_id: str
    variant_id: str = Field(description="The new plan variant (same or another plan)")
    timing: Literal["immediate", "end_of_period"] | None = Field(
        None, description="Default: the current plan's change_timing"
    )
    effective_on: date | None = Field(None, description="Overrides the timing's date")


class OneTimeChargeOrder(StrictInput):
    type: Literal["one_time_charge"]
    contract_id: str
    component_id: str = Field(description="A one-time component (hardware, a service visit)")
    quantity: Decimal = Field(Decimal(1), description="Positive")
    on: date | None = Field(None, description="Default: today")


OrderIn = Annotated[
    SignupOrder
    | PauseOrder
    | ResumeOrder
    | CancelOrder
    | RevokeOrder
    | EndTrialOrder
    | SkipOrder
    | ChangeQuantityOrder
    | ChangePlanOrder
    | OneTimeChargeOrder,
    Field(discriminator="type"),
]

ORDER_EXAMPLES = {
    "signup": {
        "value": {
            "type": "signup",
            "customer_id": "cus_01m887c4g5frb9ztekvt48b713",
            "variant_id": "var_01m887c4g5frb9ztekvt48b713",
            "start_date": "2026-12-01",
            "components": [{"component_id": "cmp_01m887c4g5frb9ztekvt48b713", "quantity": "2"}],
        }
    },
    "pause": {
        "value": {
            "type": "pause",
            "contract_id": "con_01m887c4g5frb9ztekvt48b713",
            "start": "2026-12-20",
            "end": "2027-01-07",
        }
    },
    "cancel": {
        "value": {
            "type": "cancel",
            "contract_id": "con_01m887c4g5frb9ztekvt48b713",
            "kind": "ordinary",
        }
    },
}


class ItemOut(BaseModel):
    item_type: str
    ref_id: str
    quantity: Decimal
    valid_from: date
    valid_until: date | None


class SkipsMixin(BaseModel):
    skips: list[date] = Field(description="Starts of skipped billing periods")


class PauseOut(BaseModel):
    start: date
    end: date
    fee: int | None = Field(None, description="Reduced fee per paused period, minor units")


class TermsOut(BaseModel):
    billing_interval: IntervalOut
    minimum_term: IntervalOut | None
    renewal: str
    notice_period: IntervalOut | None
    notice_period_after_conversion: IntervalOut | None
    offered_to_consumers: bool


class CancellationPreview(BaseModel):
    received_on: date
    end_date: date = Field(description="Exclusive end if an ordinary cancellation came today")
    cancel_by: date = Field(description="Last day a cancellation still ends it on end_date")


class PhaseOut(BaseModel):
    kind: str = Field(description="trial, intro, regular or fixed_term")
    start: date
    end: date | None = Field(description="Exclusive; null: runs until cancelled")


class ContractOut(Output, SkipsMixin):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": "con_01m887c4g5frb9ztekvt48b713", "state": "active", "currency": "EUR"}
            ]
        }
    )

    id: str
    customer_id: str
    plan_id: str
    variant_id: str
    currency: str
    state: str = Field(description="future, trial, active, paused, in_notice, ended, suspended")
    concluded_on: date
    start_date: date
    trial_end: date | None
    paid_start: date
    term_start: date | None = Field(description="Start of the commitment after a plan change")
    billing_anchor: date
    billing_timing: str
    terms: TermsOut
    minimum_term_end: date | None
    end_date: date | None = Field(description="Exclusive: the first day no longer served")
    pauses: list[PauseOut]
    cancellation: dict[str, Any] | None = Field(
        description="kind, received_on/at, end, reason and the written confirmation"
    )
    cancellation_preview: CancellationPreview | None
    phases: list[PhaseOut]
    items: list[ItemOut]
    created_at: datetime
    updated_at: datetime


class ChargeOut(BaseModel):
    kind: str
    ref_id: str
    description: str
    quantity: Decimal
    period_start: date
    period_end: date | None
    amount: int = Field(description="Minor units; negative: a credit")
    currency: str
    correction: bool = Field(False, description="adjusts a period billed before")


class OrderOut(Output):
    id: str
    type: str
    contract_id: str
    customer_id: str
    request: dict[str, Any]
    effect: dict[str, Any]
    created_at: datetime


class OrderResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "order": None,
                    "contract": {"id": "con_01m887c4g5frb9ztekvt48b713", "state": "trial"},
                    "charges": [
                        {
                            "kind": "setup_fee",
                            "ref_id": "pln_01m887c4g5frb9ztekvt48b713",
                            "description": "Einrichtung",
                            "quantity": "1",
                            "period_start": "2026-12-01",
                            "period_end": None,
                            "amount": 490,
                            "currency": "EUR",
                        }
                    ],
                }
            ]
        }
    )

    order: OrderOut | None = Field(description="null for a preview")
    contract: ContractOut
    charges: list[ChargeOut] = Field(
        description="What the order changes in billing, computed by the billing engine: the "
        "charges and credits the next billing run adds for it"
    )


class TimelineEvent(Output):
    id: str
    kind: str
    effective_on: date
    recorded_at: datetime
    actor_type: str
    actor_id: str
    order_id: str | None
    data: dict[str, Any]


def _payload(order: Any) -> dict[str, Any]:
    data: dict[str, Any] = order.model_dump(exclude={"type"})
    if "components" in data:
        data["components"] = [c.model_dump() for c in order.components]
    return data


def _result(result: dict[str, Any]) -> OrderResult:
    return OrderResult.model_validate(result)


@router.post(
    "/v1/orders/preview",
    response_model=OrderResult,
    summary="Preview an order: the new state and charges, nothing is changed",
    responses=problem_responses(404, 409),
    openapi_extra={"requestBody": {"content": {"application/json": {"examples": ORDER_EXAMPLES}}}},
)
def preview_order(body: OrderIn, ctx: Context) -> OrderResult:
    return _result(orders.place(ctx, body.type, _payload(body), preview=True))


@router.post(
    "/v1/orders",
    status_code=201,
    response_model=OrderResult,
    summary="Commit an order (atomic: applies fully or changes nothing)",
    responses=problem_responses(404, 409),
    openapi_extra={"requestBody": {"content": {"application/json": {"examples": ORDER_EXAMPLES}}}},
)
def commit_order(body: OrderIn, ctx: Context) -> OrderResult:
    return _result(orders.place(ctx, body.type, _payload(body), preview=False))


@router.get(
    "/v1/orders/{order_id}",
    response_model=OrderOut,
    summary="Retrieve an order",
    responses=problem_responses(404),
)
def get_order(order_id: str, ctx: Context) -> OrderOut:
    return OrderOut.model_validate(queries.get_order(ctx, order_id))


@router.get(
    "/v1/contracts",
    response_model=ListOf[ContractOut],
    summary="List contracts (newest first)",
    responses=problem_responses(),
)
def list_contracts(
    ctx: Context,
    page: Pagination,
    customer_id: Annotated[str | None, Query(description="Contracts of one customer")] = None,
) -> ListOf[ContractOut]:
    result = queries.list_contracts(ctx, page, customer_id)
    return ListOf[ContractOut](
        data=[ContractOut.model_validate(r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/v1/contracts/{contract_id}",
    response_model=ContractOut,
    summary="Retrieve a contract with its state today",
    responses=problem_responses(404),
)
def get_contract(contract_id: str, ctx: Context) -> ContractOut:
    return ContractOut.model_validate(queries.get_contract(ctx, contract_id))


@router.get(
    "/v1/contracts/{contract_id}/timeline",
    response_model=list[TimelineEvent],
    summary="The contract's whole story: what changed, when, effective when, by whom",
    responses=problem_responses(404),
)
def get_timeline(contract_id: str, ctx: Context) -> list[TimelineEvent]:
    return [TimelineEvent.model_validate(e) for e in queries.contract_timeline(ctx, contract_id)]
