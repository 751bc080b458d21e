"""Deliveries for the fulfilment system: list, export as CSV, mark shipped."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, problem_responses
from turnus.services.contracts import deliveries

router = APIRouter(tags=["deliveries"], route_class=TenantRoute)

State = Literal["scheduled", "shipped"]


class DeliveryItem(BaseModel):
    product_id: str
    sku: str | None
    name: str
    quantity: str


class DeliveryOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "dlv_01m887c4g5frb9ztekvt48b713",
                    "contract_id": "con_01m887c4g5frb9ztekvt48b713",
                    "customer_id": "cus_01m887c4g5frb9ztekvt48b713",
                    "due_on": "2026-12-25",
                    "state": "scheduled",
                    "recipient": "Erika Mustermann",
                    "shipping_address": {
                        "street": "Torstraße",
                        "house_number": "12",
                        "postcode": "10119",
                        "city": "Berlin",
                        "country": "DE",
                    },
                    "items": [
                        {
                            "product_id": "prd_01m887c4g5frb9ztekvt48b713",
                            "sku": "KAFFEE-HM-500",
                            "name": "Kaffee Hausmischung",
                            "quantity": "1",
                        }
                    ],
                    "tracking_number": None,
                    "shipped_at": None,
                    "created_at": "2026-12-25T00:00:00+01:00",
                }
            ]
        }
    )

    id: str
    contract_id: str
    customer_id: str
    due_on: date
    state: str
    recipient: str
    shipping_address: dict[str, Any] = Field(description="As valid on the delivery day")
    items: list[DeliveryItem]
    tracking_number: str | None
    shipped_at: datetime | None
    created_at: datetime


class ShipIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tracking_number": "00340434"}]})

    tracking_number: str | None = Field(None, max_length=100)


@router.get(
    "/v1/deliveries",
    response_model=ListOf[DeliveryOut],
    summary="List deliveries that fell due (newest first)",
    responses=problem_responses(),
)
def list_deliveries(
    ctx: Context,
    page: Pagination,
    state: Annotated[State | None, Query(description="scheduled or shipped")] = None,
    contract_id: Annotated[str | None, Query(description="Deliveries of one contract")] = None,
) -> ListOf[DeliveryOut]:
    result = deliveries.list_deliveries(ctx, page, state=state, contract_id=contract_id)
    return ListOf[DeliveryOut](
        data=[DeliveryOut.model_validate(r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/v1/deliveries/export",
    response_class=Response,
    summary="Deliveries as CSV for the fulfilment system (oldest due first)",
    responses={
        **problem_responses(),
        200: {
            "content": {
                "text/csv": {
                    "example": (
                        "delivery_id,due_on,contract_id,customer_id,recipient,street,house_number,"
                        "address_line_2,postcode,city,country,items\r\n"
                    )
                }
            }
        },
    },
)
def export_deliveries(
    ctx: Context,
    state: Annotated[State, Query(description="scheduled (default) or shipped")] = "scheduled",
) -> Response:
    return Response(
        content=deliveries.export_csv(ctx, state),
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="deliveries-'
            f'{state}-{ctx.today().isoformat()}.csv"'
        },
    )


@router.post(
    "/v1/deliveries/{delivery_id}/ship",
    response_model=DeliveryOut,
    summary="Mark a delivery shipped",
    responses=problem_responses(404, 409),
)
def ship_delivery(delivery_id: str, body: ShipIn, ctx: Context) -> DeliveryOut:
    return DeliveryOut.model_validate(deliveries.ship(ctx, delivery_id, body.tracking_number))


class UpcomingOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"dates": ["2026-12-25"]}]})

    dates: list[date] = Field(description="Next delivery days, honouring pauses and skips")


@router.get(
    "/v1/contracts/{contract_id}/upcoming_deliveries",
    response_model=UpcomingOut,
    summary="The contract's next delivery days",
    responses=problem_responses(404),
)
def upcoming_deliveries(
    contract_id: str,
    ctx: Context,
    count: Annotated[int, Query(ge=1, le=100, description="How many")] = 12,
) -> UpcomingOut:
    return UpcomingOut(dates=deliveries.upcoming(ctx, contract_id, count))
