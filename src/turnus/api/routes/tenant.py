"""The calling merchant's own profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.api.schemas import Output, StrictInput, problem_responses
from turnus.services import tenants

router = APIRouter(prefix="/v1", tags=["tenant"], route_class=TenantRoute)

TENANT_EXAMPLE: dict[str, Any] = {
    "id": "ten_01jdz8q6s3m4x7c2v9b5n0k1ht",
    "mode": "sandbox",
    "company_name": "Kaffeerösterei Beispiel GmbH",
    "street": "Hauptstraße",
    "house_number": "12",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "2181508150",
    "email": "billing@example.com",
    "timezone": "Europe/Berlin",
    "default_currency": "EUR",
    "default_locale": "de",
    "created_at": "2026-11-25T09:00:00+00:00",
    "updated_at": "2026-11-25T09:00:00+00:00",
}


class TenantOut(Output):
    model_config = ConfigDict(json_schema_extra={"examples": [TENANT_EXAMPLE]})

    id: str
    mode: str = Field(description="live or sandbox; sandbox clocks can be advanced")
    company_name: str
    street: str
    house_number: str | None
    postcode: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2")
    vat_id: str | None
    tax_number: str | None
    email: str | None
    timezone: str = Field(description="IANA time zone of the merchant's calendar")
    default_currency: str = Field(description="ISO 4217")
    default_locale: str
    created_at: datetime
    updated_at: datetime


class TenantPatch(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"city": "Hamburg", "postcode": "20095"}]}
    )

    company_name: str | None = Field(None, max_length=200)
    street: str | None = Field(None, max_length=200)
    house_number: str | None = Field(None, max_length=20)
    postcode: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    country: str | None = None
    vat_id: str | None = None
    tax_number: str | None = None
    email: str | None = Field(None, max_length=254)
    timezone: str | None = None
    default_currency: str | None = None
    default_locale: str | None = None


def tenant_out(row: dict[str, Any]) -> TenantOut:
    return TenantOut.model_validate(row)


@router.get(
    "/tenant",
    response_model=TenantOut,
    summary="The merchant this API key belongs to",
    responses=problem_responses(),
)
def get_tenant(ctx: Context) -> TenantOut:
    return tenant_out(tenants.get_tenant(ctx.uow, ctx.tenant_id))


@router.patch(
    "/tenant",
    response_model=TenantOut,
    summary="Change the merchant's legal data",
    responses=problem_responses(),
)
def patch_tenant(body: TenantPatch, ctx: Context) -> TenantOut:
    changes = body.model_dump(exclude_unset=True)
    return tenant_out(tenants.update_profile(ctx, changes))
