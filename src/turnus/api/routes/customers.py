"""Customers, their personal prices and their personal discounts.

Customers are archived, never deleted (no DELETE): erasure on request (GDPR) is a later
capability."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from turnus.api.catalog_schemas import PriceIn, PriceOut, domain_prices
from turnus.api.deps import Context, Pagination
from turnus.api.routes.coupons import AmountIn, AmountOut, TargetsIn, TargetsOut
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, non_null_changes, problem_responses
from turnus.domain.catalog.coupons import DiscountDuration, DiscountKind
from turnus.domain.customer import MAX_NOTES, Address, CustomerKind, CustomerProfile, TaxStatus
from turnus.services import customer_discounts, customer_prices, customers
from turnus.services.catalog.coupons import present

router = APIRouter(prefix="/v1/customers", tags=["customers"], route_class=TenantRoute)

ADDRESS_EXAMPLE: dict[str, Any] = {
    "street": "Hauptstraße",
    "house_number": "5",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
    "address_line_2": None,
}
EXAMPLE: dict[str, Any] = {
    "kind": "person",
    "first_name": "Erika",
    "last_name": "Mustermann",
    "company_name": None,
    "email": "erika@example.com",
    "phone": "+49 30 1234567",
    "locale": "de",
    "billing_address": ADDRESS_EXAMPLE,
    "shipping_address": None,
    "tax_status": "consumer",
    "vat_id": None,
    "tax_exempt": False,
    "tax_exempt_reason": None,
    "external_id": "crm-4711",
    "custom_fields": {"source": "newsletter"},
    "tags": ["vip"],
    "notes": None,
}


class AddressIn(StrictInput):
    """A billing address: structured, as SEPA requires from November 2026."""

    model_config = ConfigDict(json_schema_extra={"examples": [ADDRESS_EXAMPLE]})

    street: str = Field(max_length=200)
    house_number: str | None = Field(None, max_length=20)
    postcode: str = Field(max_length=20, description="Germany: five digits")
    city: str = Field(max_length=100)
    country: str = Field(description="ISO 3166-1 alpha-2, e.g. DE")
    address_line_2: str | None = Field(None, max_length=200)

    def domain(self) -> Address:
        return Address(**self.model_dump())


class ShippingAddressIn(AddressIn):
    """Where deliveries go, if not to the billing address."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**ADDRESS_EXAMPLE, "recipient": "Max Mustermann"}]}
    )

    recipient: str | None = Field(None, max_length=200, description="Who receives deliveries")


class AddressOut(BaseModel):
    street: str
    house_number: str | None
    postcode: str
    city: str
    country: str
    address_line_2: str | None


class ShippingAddressOut(AddressOut):
    recipient: str | None


class CustomerCreate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    kind: CustomerKind
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    company_name: str | None = Field(None, max_length=200)
    email: str = Field(max_length=254)
    phone: str | None = Field(None, max_length=40)
    locale: str | None = Field(
        None, min_length=1, description="de or en; default: the merchant's default locale"
    )
    billing_address: AddressIn
    shipping_address: ShippingAddressIn | None = None
    tax_status: TaxStatus = Field(description="consumer (B2C) or business (B2B)")
    vat_id: str | None = Field(
        None, max_length=40, description="Checked by format and check digits"
    )
    tax_exempt: bool = False
    tax_exempt_reason: str | None = Field(None, max_length=200)
    external_id: str | None = Field(None, max_length=100, description="Id in the CRM; unique")
    buyer_reference: str | None = Field(
        None, max_length=50, description="Leitweg-ID of a public-sector buyer (XRechnung)"
    )
    custom_fields: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, description="At most 30; deduplicated")
    notes: str | None = Field(None, max_length=MAX_NOTES)

    def profile(self) -> CustomerProfile:
        return CustomerProfile(
            kind=self.kind,
            email=str(self.email),
            billing_address=self.billing_address.domain(),
            tax_status=self.tax_status,
            locale=self.locale or "",
            first_name=self.first_name,
            last_name=self.last_name,
            company_name=self.company_name,
            phone=self.phone,
            shipping_address=self.shipping_address.domain() if self.shipping_address else None,
            vat_id=self.vat_id,
            tax_exempt=self.tax_exempt,
            tax_exempt_reason=self.tax_exempt_reason,
            custom_fields=self.custom_fields,
            tags=tuple(self.tags),
            buyer_reference=self.buyer_reference,
        )


class CustomerPatch(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "erika.m@example.com", "tags": ["vip", "print"]}]}
    )

    kind: CustomerKind | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    company_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    locale: str | None = None
    billing_address: AddressIn | None = Field(None, description="Replaces the whole address")
    shipping_address: ShippingAddressIn | None = Field(
        None, description="Replaces the whole address; null removes it"
    )
    tax_status: TaxStatus | None = None
    vat_id: str | None = Field(None, max_length=40, description="null removes it")
    tax_exempt: bool | None = None
    tax_exempt_reason: str | None = Field(None, max_length=200)
    external_id: str | None = Field(None, max_length=100)
    buyer_reference: str | None = Field(None, max_length=50, description="null removes it")
    custom_fields: dict[str, str] | None = None
    tags: list[str] | None = None
    notes: str | None = Field(None, max_length=MAX_NOTES)


REQUIRED = frozenset(
    {
        "kind",
        "email",
        "locale",
        "billing_address",
        "tax_status",
        "tax_exempt",
        "custom_fields",
        "tags",
    }
)


class CustomerOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cus_01m887c4g5frb9ztekvt48b713",
                    **EXAMPLE,
                    "vat_id_check": None,
                    "vat_id_missing": False,
                    "archived_at": None,
                    "created_at": "2026-11-25T10:00:00+01:00",
                    "updated_at": "2026-11-25T10:00:00+01:00",
                }
            ]
        }
    )

    id: str
    kind: CustomerKind
    first_name: str | None
    last_name: str | None
    company_name: str | None
    email: str
    phone: str | None
    locale: str
    billing_address: AddressOut
    shipping_address: ShippingAddressOut | None
    tax_status: TaxStatus
    vat_id: str | None
    vat_id_check: dict[str, Any] | None = Field(
        description="Result of the VAT ID check: valid, method, country, eu, checked_at"
    )
    vat_id_missing: bool = Field(
        description="A business in another EU member state without a VAT ID: no reverse charge"
    )
    tax_exempt: bool
    tax_exempt_reason: str | None
    external_id: str | None
    buyer_reference: str | None
    custom_fields: dict[str, str]
    tags: list[str]
    notes: str | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


@router.post(
    "",
    status_code=201,
    response_model=CustomerOut,
    summary="Create a customer",
    responses=problem_responses(409),
)
def create_customer(body: CustomerCreate, ctx: Context) -> CustomerOut:
    row = customers.create_customer(ctx, body.profile(), body.external_id, body.notes)
    return CustomerOut.model_validate(row)


@router.get(
    "",
    response_model=ListOf[CustomerOut],
    summary="List customers (newest first)",
    responses=problem_responses(),
)
def list_customers(
    ctx: Context,
    page: Pagination,
    email: Annotated[str | None, Query(description="Exact email address")] = None,
    external_id: Annotated[str | None, Query(description="CRM id")] = None,
    tag: Annotated[str | None, Query(description="Customers carrying this tag")] = None,
    include_archived: Annotated[bool, Query(description="Also archived customers")] = False,
) -> ListOf[CustomerOut]:
    result = customers.list_customers(
        ctx, page, email=email, external_id=external_id, tag=tag, include_archived=include_archived
    )
    return ListOf[CustomerOut](
        data=[CustomerOut.model_validate(r) for r in result.data], has_more=result.has_more
    )


@router.get(
    "/{customer_id}",
    response_model=CustomerOut,
    summary="Retrieve a customer",
    responses=problem_responses(404),
)
def get_customer(customer_id: str, ctx: Context) -> CustomerOut:
    return CustomerOut.model_validate(customers.get_customer(ctx, customer_id))


@router.patch(
    "/{customer_id}",
    response_model=CustomerOut,
    summary="Change a customer (an address is replaced as a whole)",
    responses=problem_responses(404, 409),
)
def patch_customer(customer_id: str, body: CustomerPatch, ctx: Context) -> CustomerOut:
    changes = non_null_changes(body, REQUIRED)
    for name in ("billing_address", "shipping_address"):
        value = getattr(body, name)
        if name in changes:
            changes[name] = value.domain() if value is not None else None
    if "email" in changes:
        changes["email"] = str(changes["email"])
    if "tags" in changes:
        changes["tags"] = tuple(changes["tags"])
    return CustomerOut.model_validate(customers.update_customer(ctx, customer_id, changes))


@router.post(
    "/{customer_id}/archive",
    response_model=CustomerOut,
    summary="Archive a customer (kept for the books; no new contracts)",
    responses=problem_responses(404),
)
def archive_customer(customer_id: str, ctx: Context) -> CustomerOut:
    return CustomerOut.model_validate(customers.archive_customer(ctx, customer_id))


# -- personal prices ----------------------------------------------------------------------------


class CustomerPriceIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target_type": "plan_variant",
                    "target_id": "var_01m887c4g5frb9ztekvt48b713",
                    "prices": [{"currency": "EUR", "amount": "9.90"}],
                    "valid_from": "2026-12-01",
                    "valid_until": "2027-11-30",
                    "note": "Treuepreis",
                }
            ]
        }
    )

    target_type: Literal["plan_variant", "component"]
    target_id: str
    prices: list[PriceIn] = Field(min_length=1)
    valid_from: date | None = Field(None, description="Default: today (tenant clock)")
    valid_until: date | None = Field(None, description="Inclusive; null: open end")
    note: str | None = Field(None, max_length=200)


class CustomerPriceOut(Output):
    id: str
    customer_id: str
    target_type: str
    target_id: str
    prices: list[PriceOut]
    valid_from: date
    valid_until: date | None
    note: str | None
    created_at: datetime
    updated_at: datetime


class EndIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"valid_until": "2027-03-31"}]})

    valid_until: date = Field(description="Last day it applies (inclusive)")


@router.post(
    "/{customer_id}/prices",
    status_code=201,
    response_model=CustomerPriceOut,
    summary="Give the customer a personal price for a plan variant or component",
    responses=problem_responses(404, 409),
)
def create_price(customer_id: str, body: CustomerPriceIn, ctx: Context) -> CustomerPriceOut:
    row = customer_prices.create_price(
        ctx,
        customer_id,
        target_type=body.target_type,
        target_id=body.target_id,
        prices=domain_prices(body.prices),
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        note=body.note,
    )
    return CustomerPriceOut.model_validate(row)


@router.get(
    "/{customer_id}/prices",
    response_model=ListOf[CustomerPriceOut],
    summary="List the customer's personal prices",
    responses=problem_responses(404),
)
def list_prices(
    customer_id: str,
    ctx: Context,
    page: Pagination,
    target_id: Annotated[str | None, Query(description="Only prices for this item")] = None,
) -> ListOf[CustomerPriceOut]:
    result = customer_prices.list_prices(ctx, customer_id, page, target_id=target_id)
    return ListOf[CustomerPriceOut](
        data=[CustomerPriceOut.model_validate(r) for r in result.data], has_more=result.has_more
    )


@router.post(
    "/{customer_id}/prices/{price_id}/end",
    response_model=CustomerPriceOut,
    summary="End a personal price (on valid_until, inclusive)",
    responses=problem_responses(404),
)
def end_price(customer_id: str, price_id: str, body: EndIn, ctx: Context) -> CustomerPriceOut:
    return CustomerPriceOut.model_validate(
        customer_prices.end_price(ctx, customer_id, price_id, body.valid_until)
    )


# -- personal discounts -------------------------------------------------------------------------


class CustomerDiscountIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "percent",
                    "percent": "10",
                    "duration": "forever",
                    "targets": {"plan_ids": [], "variant_ids": [], "component_ids": []},
                    "reason": "Mitarbeiterrabatt",
                }
            ]
        }
    )

    kind: DiscountKind
    percent: Decimal | None = Field(None, description="percent: 0 < p <= 100")
    amounts: list[AmountIn] = Field(default_factory=list)
    duration: DiscountDuration
    duration_periods: int | None = None
    targets: TargetsIn = Field(default_factory=TargetsIn)
    valid_from: date | None = Field(None, description="Default: today (tenant clock)")
    valid_until: date | None = Field(None, description="Inclusive; null: open end")
    reason: str = Field(max_length=200, description="Why the customer gets it (required)")


class CustomerDiscountOut(Output):
    id: str
    customer_id: str
    kind: DiscountKind
    percent: Decimal | None
    amounts: list[AmountOut]
    duration: DiscountDuration
    duration_periods: int | None
    targets: TargetsOut
    valid_from: date
    valid_until: date | None
    reason: str
    created_at: datetime
    updated_at: datetime


@router.post(
    "/{customer_id}/discounts",
    status_code=201,
    response_model=CustomerDiscountOut,
    summary="Give the customer a personal discount",
    responses=problem_responses(404, 409),
)
def create_discount(
    customer_id: str, body: CustomerDiscountIn, ctx: Context
) -> CustomerDiscountOut:
    values = body.model_dump(exclude={"amounts", "targets"})
    row = customer_discounts.create_discount(
        ctx,
        customer_id,
        values,
        [(a.currency, a.amount) for a in body.amounts],
        body.targets.model_dump(),
    )
    return CustomerDiscountOut.model_validate(present(row))


@router.get(
    "/{customer_id}/discounts",
    response_model=ListOf[CustomerDiscountOut],
    summary="List the customer's personal discounts",
    responses=problem_responses(404),
)
def list_discounts(customer_id: str, ctx: Context, page: Pagination) -> ListOf[CustomerDiscountOut]:
    result = customer_discounts.list_discounts(ctx, customer_id, page)
    return ListOf[CustomerDiscountOut](
        data=[CustomerDiscountOut.model_validate(present(r)) for r in result.data],
        has_more=result.has_more,
    )


@router.post(
    "/{customer_id}/discounts/{discount_id}/end",
    response_model=CustomerDiscountOut,
    summary="End a personal discount (on valid_until, inclusive)",
    responses=problem_responses(404),
)
def end_discount(
    customer_id: str, discount_id: str, body: EndIn, ctx: Context
) -> CustomerDiscountOut:
    return CustomerDiscountOut.model_validate(
        present(customer_discounts.end_discount(ctx, customer_id, discount_id, body.valid_until))
    )
