"""The tenant clock: read it; advance it on sandbox tenants."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import AwareDatetime, ConfigDict, Field

from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.api.schemas import Output, StrictInput, problem_responses
from turnus.services import clock as clock_service
from turnus.services.context import TenantContext

router = APIRouter(prefix="/v1/clock", tags=["clock"], route_class=TenantRoute)


class ClockOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mode": "sandbox",
                    "now": "2027-01-01T00:00:00+01:00",
                    "today": "2027-01-01",
                    "timezone": "Europe/Berlin",
                    "frozen": True,
                }
            ]
        }
    )

    mode: str
    now: datetime = Field(description="The tenant's current time, in its time zone")
    today: date = Field(description="The calendar date in the tenant's time zone")
    timezone: str
    frozen: bool = Field(description="True for sandbox clocks, which move only when advanced")


class TaskRunOut(Output):
    id: str
    kind: str
    due_at: datetime
    state: str
    error: str | None


class AdvanceIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "2027-01-01T00:00:00+01:00"}]})

    to: AwareDatetime = Field(description="Target time with UTC offset; never before the clock")


class AdvanceOut(ClockOut):
    previous: datetime
    tasks: list[TaskRunOut] = Field(description="What fell due and ran, in due order")


def clock_out(ctx: TenantContext) -> ClockOut:
    clock = ctx.clock
    return ClockOut(
        mode=clock.mode.value,
        now=ctx.now(),
        today=ctx.today(),
        timezone=clock.timezone,
        frozen=clock.frozen_at is not None,
    )


@router.get(
    "", response_model=ClockOut, summary="Read the tenant clock", responses=problem_responses()
)
def get_clock(ctx: Context) -> ClockOut:
    return clock_out(ctx)


@router.post(
    "/advance",
    response_model=AdvanceOut,
    summary="Advance a sandbox clock and run everything that falls due",
    responses=problem_responses(409),
)
def advance_clock(body: AdvanceIn, ctx: Context) -> AdvanceOut:
    result = clock_service.advance(ctx, body.to)
    base = clock_out(ctx)
    return AdvanceOut(
        **base.model_dump(),
        previous=result.previous,
        tasks=[TaskRunOut.model_validate(t) for t in result.tasks],
    )
