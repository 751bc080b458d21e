"""Operator API: create and inspect merchants (tenants). Authenticated by TURNUS_OPERATOR_KEY."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from turnus.api.deps import Clock, Pagination, Uow
from turnus.api.routes.api_keys import ApiKeyCreated
from turnus.api.routes.tenant import TENANT_EXAMPLE, TenantOut, tenant_out
from turnus.api.routing import OperatorRoute
from turnus.api.schemas import ListOf, StrictInput, problem_responses
from turnus.domain.clock import TenantMode
from turnus.domain.tenant import TenantProfile
from turnus.services import api_keys, tenants
from turnus.services.context import Actor, TenantContext

router = APIRouter(prefix="/operator/v1/tenants", tags=["operator"], route_class=OperatorRoute)

OPERATOR = Actor("operator", "operator")


class TenantCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    k: v
                    for k, v in TENANT_EXAMPLE.items()
                    if k not in {"id", "created_at", "updated_at"}
                }
            ]
        }
    )

    mode: TenantMode = Field(TenantMode.LIVE, description="live, or sandbox for time travel")
    company_name: str = Field(min_length=1, max_length=200)
    street: str = Field(min_length=1, max_length=200)
    house_number: str | None = Field(None, max_length=20)
    postcode: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    country: str = Field(description="ISO 3166-1 alpha-2")
    vat_id: str | None = None
    tax_number: str | None = None
    email: str | None = Field(None, max_length=254)
    timezone: str = "Europe/Berlin"
    default_currency: str = "EUR"
    default_locale: str = "de"


class TenantCreated(TenantOut):
    api_key: ApiKeyCreated = Field(description="A first API key; its secret is shown only here")


@router.post(
    "",
    status_code=201,
    response_model=TenantCreated,
    summary="Create a merchant with a first API key",
    responses=problem_responses(),
)
def create_tenant(body: TenantCreate, uow: Uow, clock: Clock) -> TenantCreated:
    row = tenants.create_tenant(
        uow, TenantProfile(**body.model_dump()), actor=OPERATOR, wall_clock=clock
    )
    ctx = TenantContext(uow=uow, tenant_id=row["id"], actor=OPERATOR, wall_clock=clock)
    key, secret = api_keys.create_key(ctx, "initial key")
    return TenantCreated(
        **tenant_out(row).model_dump(),
        api_key=ApiKeyCreated.model_validate({**key, "secret": secret}),
    )


@router.get(
    "",
    response_model=ListOf[TenantOut],
    summary="List merchants (newest first)",
    responses=problem_responses(),
)
def list_tenants(uow: Uow, page: Pagination) -> ListOf[TenantOut]:
    result = tenants.list_tenants(uow, page)
    return ListOf[TenantOut](data=[tenant_out(r) for r in result.data], has_more=result.has_more)


@router.get(
    "/{tenant_id}",
    response_model=TenantOut,
    summary="Retrieve a merchant",
    responses=problem_responses(404),
)
def get_tenant(tenant_id: str, uow: Uow) -> TenantOut:
    return tenant_out(tenants.get_tenant(uow, tenant_id))
