"""Invoices, credit notes and cancellations: search, edit and finalize drafts, correct finalized
documents, record payment, and the customer's credit balance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, problem_responses
from turnus.services.billing import invoices

router = APIRouter(tags=["invoices"], route_class=TenantRoute)

DocumentType = Literal["invoice", "credit_note", "cancellation"]
State = Literal["draft", "open", "paid", "void", "uncollectible"]
Amount = Annotated[StrictInt, Field(description="Minor units (cents)")]

_INVOICE_ID = "inv_01m887c4g5frb9ztekvt48b713"
_ITEM_ID = "ili_01m887c4g5frb9ztekvt48b713"


class InvoiceItemOut(Output):
    id: str
    position: int
    description: str
    quantity: Decimal
    amount: int = Field(description="Minor units, in the document's price mode; negative: credit")
    tax_category: str
    tax_treatment: str = Field(description="domestic, oss, reverse_charge, exempt, …")
    tax_rate: str = Field(description="Percent, e.g. '19' or '7'")
    service_from: date | None
    service_until: date | None = Field(description="Exclusive: the first day not served")
    contract_id: str | None = Field(description="null for lines added by hand and corrections")
    kind: str = Field(description="fee, component, usage, setup_fee, …, manual, discount")
    credited: int = Field(description="Invoices: minor units credited on this line so far")
    corrects_item_id: str | None = Field(
        description="Credit notes and cancellations: the original's item"
    )


class TotalsOut(BaseModel):
    net: int
    tax: int
    gross: int


class TaxGroupOut(BaseModel):
    treatment: str
    country: str
    rate: str
    net: int
    tax: int
    gross: int


class InvoiceOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _INVOICE_ID,
                    "document_type": "invoice",
                    "state": "open",
                    "number": "RE-2026-000001",
                    "currency": "EUR",
                    "totals": {"net": 1980, "tax": 139, "gross": 2119},
                    "amount_due": 2119,
                }
            ]
        }
    )

    id: str
    customer_id: str
    currency: str
    document_type: DocumentType
    state: State
    number: str | None = Field(description="Given when finalized (gapless per series)")
    billing_date: date
    finalize_on: date | None = Field(description="Drafts: finalized automatically on this day")
    issue_date: date | None
    due_date: date | None
    service_from: date | None
    service_until: date | None
    corrects_id: str | None = Field(
        description="Credit notes, cancellations and corrected drafts: the original invoice"
    )
    reason: str | None
    prices_include_tax: bool = Field(description="Line amounts are gross (true) or net")
    seller: dict[str, Any] | None = Field(description="As printed; set when finalized")
    buyer: dict[str, Any] | None = Field(description="As printed; set when finalized")
    notes: list[str] = Field(description="Legally required notes (reverse charge, § 19 UStG, …)")
    tax_breakdown: list[TaxGroupOut]
    totals: TotalsOut
    credit_applied: int = Field(description="Credit balance used on this invoice")
    amount_due: int
    run_id: str | None
    items: list[InvoiceItemOut]
    created_at: datetime
    updated_at: datetime
    finalized_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None


class LineIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "description": "Einrichtung vor Ort",
                    "quantity": "2",
                    "unit_amount": 4500,
                    "tax_category": "standard",
                    "product_kind": "service",
                }
            ]
        }
    )

    description: str = Field(min_length=1, max_length=300)
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=20, decimal_places=6)
    unit_amount: StrictInt | None = Field(
        None, description="Minor units per unit; the line is unit_amount times quantity, half-up"
    )
    amount: StrictInt | None = Field(None, description="Minor units for the whole line")
    tax_category: Literal["standard", "reduced", "zero", "exempt"] = "standard"
    product_kind: Literal["service", "digital", "physical"] = "service"
    service_from: date | None = None
    service_until: date | None = Field(None, description="Exclusive: the first day not served")


class DiscountIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"percent": "10"}]})

    percent: Decimal | None = Field(
        None, gt=0, le=100, decimal_places=4, description="Of the draft's current line total"
    )
    amount: StrictInt | None = Field(
        None, description="Fixed minor units (the draft's price mode), split over the tax groups"
    )
    description: str | None = Field(None, max_length=200)


class CreditLineIn(StrictInput):
    item_id: str
    amount: Amount


class CreditNoteIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reason": "Lieferung beschädigt", "lines": [{"item_id": _ITEM_ID, "amount": 500}]},
                {"reason": "Kulanz", "full": True},
            ]
        }
    )

    reason: str = Field(max_length=500)
    lines: list[CreditLineIn] | None = Field(None, max_length=500)
    full: StrictBool = Field(False, description="Credit everything still creditable")


class VoidIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Falsche Anschrift", "reissue": True}]}
    )

    reason: str = Field(max_length=500)
    reissue: StrictBool = Field(False, description="Also create a corrected draft")


class PaidIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"paid_at": "2026-11-27T10:15:00+01:00"}]}
    )

    paid_at: datetime | None = Field(None, description="Default: now; with offset, not future")


class VoidOut(BaseModel):
    invoice: InvoiceOut = Field(description="The original, now void")
    cancellation: InvoiceOut = Field(description="The cancellation document (Stornorechnung)")
    reissue: InvoiceOut | None = Field(description="The corrected draft, if asked for")


class BalanceOut(BaseModel):
    currency: str
    amount: int = Field(description="Minor units the merchant owes the customer")


class CreditBalanceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "cus_01m887c4g5frb9ztekvt48b713",
                    "balances": [{"currency": "EUR", "amount": 500}],
                }
            ]
        }
    )

    customer_id: str
    balances: list[BalanceOut]


def _out(row: dict[str, Any]) -> InvoiceOut:
    return InvoiceOut.model_validate(row)


@router.get(
    "/v1/invoices",
    response_model=ListOf[InvoiceOut],
    summary="List and search invoices, credit notes and cancellations (newest first)",
    responses=problem_responses(),
)
def list_invoices(
    ctx: Context,
    page: Pagination,
    customer_id: Annotated[str | None, Query(description="Documents of one customer")] = None,
    contract_id: Annotated[
        str | None, Query(description="Invoices billing the contract, and their corrections")
    ] = None,
    state: Annotated[State | None, Query()] = None,
    document_type: Annotated[DocumentType | None, Query()] = None,
    number: Annotated[str | None, Query(description="Exact document number")] = None,
    issued_from: Annotated[date | None, Query(description="Issue date on or after")] = None,
    issued_to: Annotated[date | None, Query(description="Issue date on or before")] = None,
    billing_date: Annotated[date | None, Query()] = None,
) -> ListOf[InvoiceOut]:
    result = invoices.list_invoices(
        ctx,
        page,
        customer_id=customer_id,
        contract_id=contract_id,
        state=state,
        document_type=document_type,
        number=number,
        issued_from=issued_from,
        issued_to=issued_to,
        billing_date=billing_date,
    )
    return ListOf[InvoiceOut](data=[_out(r) for r in result.data], has_more=result.has_more)


@router.get(
    "/v1/invoices/{invoice_id}",
    response_model=InvoiceOut,
    summary="Retrieve a document with its items",
    responses=problem_responses(404),
)
def get_invoice(invoice_id: str, ctx: Context) -> InvoiceOut:
    return _out(invoices.get_invoice(ctx, invoice_id))


@router.post(
    "/v1/invoices/{invoice_id}/lines",
    response_model=InvoiceOut,
    summary="Add a line to a draft (409 once finalized)",
    responses=problem_responses(404, 409),
)
def add_line(invoice_id: str, body: LineIn, ctx: Context) -> InvoiceOut:
    return _out(invoices.add_line(ctx, invoice_id, **body.model_dump()))


@router.post(
    "/v1/invoices/{invoice_id}/discounts",
    response_model=InvoiceOut,
    summary="Discount a draft by a percentage or an amount, per tax group",
    responses=problem_responses(404, 409),
)
def add_discount(invoice_id: str, body: DiscountIn, ctx: Context) -> InvoiceOut:
    return _out(invoices.add_discount(ctx, invoice_id, **body.model_dump()))


@router.post(
    "/v1/invoices/{invoice_id}/finalize",
    response_model=InvoiceOut,
    summary="Finalize a draft now: number, issue date, ledger; immutable from then on",
    responses=problem_responses(404, 409),
)
def finalize(invoice_id: str, ctx: Context) -> InvoiceOut:
    return _out(invoices.finalize(ctx, invoice_id))


@router.delete(
    "/v1/invoices/{invoice_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a draft; the next billing run bills its contract lines again",
    responses=problem_responses(404, 409),
)
def delete_draft(invoice_id: str, ctx: Context) -> Response:
    invoices.delete_draft(ctx, invoice_id)
    return Response(status_code=204)


@router.post(
    "/v1/invoices/{invoice_id}/credit_notes",
    status_code=201,
    response_model=InvoiceOut,
    summary="Issue a credit note for lines of an open or paid invoice, or for all of it",
    responses=problem_responses(404, 409),
)
def credit(invoice_id: str, body: CreditNoteIn, ctx: Context) -> InvoiceOut:
    lines = (
        [invoices.CreditLine(line.item_id, line.amount) for line in body.lines]
        if body.lines
        else None
    )
    return _out(invoices.credit(ctx, invoice_id, reason=body.reason, lines=lines, full=body.full))


@router.post(
    "/v1/invoices/{invoice_id}/void",
    response_model=VoidOut,
    summary="Void an open invoice with a cancellation document, optionally reissuing a draft",
    responses=problem_responses(404, 409),
)
def void(invoice_id: str, body: VoidIn, ctx: Context) -> VoidOut:
    return VoidOut.model_validate(
        invoices.void(ctx, invoice_id, reason=body.reason, reissue=body.reissue)
    )


@router.post(
    "/v1/invoices/{invoice_id}/mark_paid",
    response_model=InvoiceOut,
    summary="Record that an open invoice was paid",
    responses=problem_responses(404, 409),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "now": {"summary": "Paid now (or send no body)", "value": {}},
                        "earlier": {
                            "summary": "Paid earlier",
                            "value": {"paid_at": "2026-11-27T10:15:00+01:00"},
                        },
                    }
                }
            }
        }
    },
)
def mark_paid(
    invoice_id: str, ctx: Context, body: Annotated[PaidIn | None, Body()] = None
) -> InvoiceOut:
    paid_at = body.paid_at if body is not None else None
    return _out(invoices.mark_paid(ctx, invoice_id, paid_at))


@router.post(
    "/v1/invoices/{invoice_id}/mark_uncollectible",
    response_model=InvoiceOut,
    summary="Write off an open invoice as uncollectible",
    responses=problem_responses(404, 409),
)
def mark_uncollectible(invoice_id: str, ctx: Context) -> InvoiceOut:
    return _out(invoices.mark_uncollectible(ctx, invoice_id))


@router.get(
    "/v1/customers/{customer_id}/credit_balance",
    response_model=CreditBalanceOut,
    summary="The customer's credit balance per currency",
    responses=problem_responses(404),
)
def credit_balance(customer_id: str, ctx: Context) -> CreditBalanceOut:
    return CreditBalanceOut(
        customer_id=customer_id,
        balances=[BalanceOut(**b) for b in invoices.credit_balance(ctx, customer_id)],
    )
