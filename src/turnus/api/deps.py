"""FastAPI dependencies: the tenant context of a request, and list parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from turnus.api.runtime import runtime_of
from turnus.domain.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock


def unit_of_work(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.state.uow
    return uow


def wall_clock(request: Request) -> WallClock:
    return runtime_of(request).wall_clock


def tenant_context(request: Request) -> TenantContext:
    caller = request.state.caller
    return TenantContext(
        uow=unit_of_work(request),
        tenant_id=caller.tenant_id,
        actor=caller.actor,
        wall_clock=runtime_of(request).wall_clock,
        request_id=getattr(request.state, "request_id", None),
    )


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1-100")
    ] = DEFAULT_LIMIT,
    starting_after: Annotated[
        str | None, Query(description="Id of the last object of the previous page")
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, starting_after=starting_after)


Context = Annotated[TenantContext, Depends(tenant_context)]
Pagination = Annotated[PageRequest, Depends(page_request)]
Uow = Annotated[UnitOfWork, Depends(unit_of_work)]
Clock = Annotated[WallClock, Depends(wall_clock)]
