"""Metered usage: report events (one or a batch, deduplicated by event_id) and read a contract's
usage in a billing period."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.api.schemas import StrictInput, problem_responses
from turnus.services.billing import usage

router = APIRouter(tags=["usage"], route_class=TenantRoute)

MAX_PROPERTIES = 20
MAX_PROPERTY_KEY = 100
MAX_PROPERTY_TEXT = 1000


def _event_id(value: str) -> str:
    if not all(" " <= char <= "~" for char in value):
        raise PydanticCustomError("event_id", "must be 1 to 100 printable ASCII characters")
    return value


def _timestamp(value: Any) -> datetime:
    if isinstance(value, str) and len(value) >= 16 and value[10] in "Tt ":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "timestamp",
        "must be an ISO 8601 timestamp such as 2026-11-30T23:30:00+01:00 "
        "(without an offset: local time of the merchant)",
    )


def _flat(value: dict[str, Any]) -> dict[str, Any]:
    for key, item in value.items():
        if not 1 <= len(key) <= MAX_PROPERTY_KEY:
            raise PydanticCustomError("properties", f"keys have 1 to {MAX_PROPERTY_KEY} characters")
        if isinstance(item, str) and len(item) > MAX_PROPERTY_TEXT:
            raise PydanticCustomError(
                "properties", f"'{key}': text values have at most {MAX_PROPERTY_TEXT} characters"
            )
        if item is not None and not isinstance(item, str | int | float | bool):
            raise PydanticCustomError(
                "properties",
                f"'{key}': values are strings, numbers, booleans or null (a flat object)",
            )
    return value


EventId = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_event_id)]
Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    # ISO 8601, but not necessarily RFC 3339 ("date-time"): the offset may be left out
    WithJsonSchema({"type": "string", "examples": ["2026-11-30T23:30:00+01:00"]}),
]
Properties = Annotated[dict[str, Any], Field(max_length=MAX_PROPERTIES), AfterValidator(_flat)]

EVENT_EXAMPLE: dict[str, Any] = {
    "event_id": "calls-2026-11-30-0001",
    "contract_id": "con_01m887c4g5frb9ztekvt48b713",
    "component_id": "cmp_01m887c4g5frb9ztekvt48b713",
    "timestamp": "2026-11-30T23:30:00+01:00",
    "quantity": "120",
    "properties": {"endpoint": "/v2/search"},
}


class UsageEventIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [EVENT_EXAMPLE]})

    event_id: EventId = Field(
        description="Yours, unique per merchant: a repeated id is accepted and ignored"
    )
    contract_id: str = Field(min_length=1)
    component_id: str = Field(min_length=1, description="A metered component of the contract")
    timestamp: Timestamp = Field(
        description="ISO 8601; without an offset: local time in the merchant's time zone"
    )
    quantity: Decimal = Field(
        Decimal(1), ge=0, le=Decimal("1e12"), decimal_places=12, description="Default 1"
    )
    unique_key: str | None = Field(
        None, min_length=1, max_length=200, description="What unique_count counts (a user id)"
    )
    properties: Properties = Field(
        default_factory=dict, description="Up to 20 keys; values are strings, numbers or booleans"
    )


class UsageBatchIn(StrictInput):
    events: list[UsageEventIn] = Field(min_length=1, max_length=usage.MAX_EVENTS)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` written in place (the request body is documented
    inline, as either form)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


UsageBody = Annotated[
    dict[str, Any],
    WithJsonSchema(_inlined(TypeAdapter(UsageEventIn | UsageBatchIn).json_schema())),
]

USAGE_EXAMPLES = {
    "one event": {"value": EVENT_EXAMPLE},
    "a batch": {
        "value": {
            "events": [
                EVENT_EXAMPLE,
                {
                    **EVENT_EXAMPLE,
                    "event_id": "calls-2026-11-30-0002",
                    "timestamp": "2026-11-30T23:45:00",
                    "quantity": 80,
                },
            ]
        }
    },
}


class UsageReceiptOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "received": 2,
                    "stored": 1,
                    "duplicates": 1,
                    "event_ids_stored": ["calls-2026-11-30-0002"],
                }
            ]
        }
    )

    received: int = Field(description="Events in the request")
    stored: int = Field(description="New events stored")
    duplicates: int = Field(description="Events whose event_id was already known (ignored)")
    event_ids_stored: list[str]


class ComponentUsageOut(BaseModel):
    component_id: str
    name: str
    unit_name: str | None
    aggregation: str = Field(description="sum, max, count, unique_count or last")
    event_count: int = Field(description="Events in the period")
    quantity: str = Field(description="The events aggregated (decimal string)")
    included_quantity: str = Field(description="Free quota per period")
    billable_quantity: str = Field(description="quantity minus the free quota, at least 0")
    amount: int | None = Field(
        description="Estimated charge in minor units; null: no price in the contract currency"
    )
    currency: str


class UsageSummaryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contract_id": "con_01m887c4g5frb9ztekvt48b713",
                    "on": "2026-11-30",
                    "period_start": "2026-11-01",
                    "period_end": "2026-12-01",
                    "currency": "EUR",
                    "components": [
                        {
                            "component_id": "cmp_01m887c4g5frb9ztekvt48b713",
                            "name": "API-Aufrufe",
                            "unit_name": "call",
                            "aggregation": "sum",
                            "event_count": 2,
                            "quantity": "1200",
                            "included_quantity": "1000",
                            "billable_quantity": "200",
                            "amount": 1000,
                            "currency": "EUR",
                        }
                    ],
                }
            ]
        }
    )

    contract_id: str
    on: date
    period_start: date
    period_end: date = Field(description="Exclusive")
    currency: str
    components: list[ComponentUsageOut]


def _events(body: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    batch = "events" in body
    try:
        if batch:
            events = UsageBatchIn.model_validate(body).events
        else:
            events = [UsageEventIn.model_validate(body)]
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None
    return [event.model_dump() for event in events], batch


@router.post(
    "/v1/usage_events",
    response_model=UsageReceiptOut,
    summary="Report metered usage: one event or up to 1000 (all or nothing, deduplicated)",
    responses=problem_responses(409),
    openapi_extra={"requestBody": {"content": {"application/json": {"examples": USAGE_EXAMPLES}}}},
)
def report_usage(body: Annotated[UsageBody, Body()], ctx: Context) -> UsageReceiptOut:
    events, batch = _events(body)
    return UsageReceiptOut.model_validate(usage.ingest(ctx, events, batch=batch))


@router.get(
    "/v1/contracts/{contract_id}/usage",
    response_model=UsageSummaryOut,
    summary="The contract's metered usage in a billing period, with estimated amounts",
    responses=problem_responses(404),
)
def usage_summary(
    contract_id: str,
    ctx: Context,
    on: Annotated[
        date | None, Query(description="A day of the billing period; default: today")
    ] = None,
) -> UsageSummaryOut:
    return UsageSummaryOut.model_validate(usage.summary(ctx, contract_id, on))
