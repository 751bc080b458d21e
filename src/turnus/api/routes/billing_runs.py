"""Billing runs: bill everything due up to a day, or preview it (dry run)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from turnus.api.deps import Context, Pagination
from turnus.api.routing import TenantRoute
from turnus.api.schemas import ListOf, Output, StrictInput, problem_responses
from turnus.services.billing import runs
from turnus.services.billing.run import RunSummary, bill_in_transaction

router = APIRouter(prefix="/v1/billing_runs", tags=["billing"], route_class=TenantRoute)


class BillingRunIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"dry_run": True}]})

    until: date | None = Field(None, description="bill what is due up to this day; default today")
    dry_run: bool = Field(False, description="report what would be invoiced, write nothing")


class PreviewItem(Output):
    contract_id: str | None
    kind: str
    description: str
    quantity: str
    amount: int
    tax_rate: str
    tax_treatment: str
    service_from: date | None
    service_until: date | None


class PreviewInvoice(Output):
    customer_id: str
    currency: str
    net_total: int
    tax_total: int
    gross_total: int
    tax_breakdown: list[dict[str, Any]] = Field(description="net, rate, tax and gross per rate")
    notes: list[str] = Field(description="legally required notes (reverse charge, § 19 UStG)")
    items: list[PreviewItem]


class BillingRunOut(Output):
    run_id: str | None
    until: date
    dry_run: bool
    contracts: int = Field(description="contracts looked at")
    invoices: int
    items: int
    totals: dict[str, int] = Field(description="gross per currency, minor units")
    documents: list[PreviewInvoice] = Field(description="dry run only: what would be invoiced")


def _out(summary: RunSummary) -> BillingRunOut:
    documents: list[dict[str, Any]] = [
        {
            **doc,
            "items": [
                {**i, "quantity": f"{i['quantity']:f}", "tax_rate": f"{i['tax_rate']:f}"}
                for i in doc["items"]
            ],
        }
        for doc in summary.documents
    ]
    return BillingRunOut.model_validate(
        {
            "run_id": summary.run_id,
            "until": summary.until,
            "dry_run": summary.dry_run,
            "contracts": summary.contracts,
            "invoices": summary.invoices,
            "items": summary.items,
            "totals": summary.totals,
            "documents": documents,
        }
    )


@router.post(
    "",
    response_model=BillingRunOut,
    summary="Bill everything due (or preview it with dry_run)",
    responses=problem_responses(),
)
def create_run(body: BillingRunIn, ctx: Context) -> BillingRunOut:
    return _out(bill_in_transaction(ctx, body.until, dry_run=body.dry_run))


class BillingRunRecord(Output):
    id: str
    until: date
    state: str = Field(
        description="running, finished, or failed (stopped by an error); a run killed stays running"
    )
    stats: dict[str, Any] = Field(
        description="contracts, invoices, items, gross totals (of a failed run: the batches it "
        "finished before the error, and the error)"
    )
    started_at: datetime
    finished_at: datetime | None


@router.get(
    "",
    response_model=ListOf[BillingRunRecord],
    summary="Billing runs, newest first",
    responses=problem_responses(),
)
def list_runs(ctx: Context, page: Pagination) -> ListOf[BillingRunRecord]:
    result = runs.list_runs(ctx, page)
    return ListOf[BillingRunRecord](
        data=[BillingRunRecord.model_validate(r) for r in result.data], has_more=result.has_more
    )
