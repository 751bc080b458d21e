"""The merchant's billing settings: tax mode, number formats, payment terms, grace periods."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.api.schemas import Output, StrictInput, problem_responses
from turnus.services.billing import settings

router = APIRouter(prefix="/v1", tags=["billing"], route_class=TenantRoute)


class BillingSettingsOut(Output):
    prices_include_tax: bool = Field(description="catalog prices are gross (true) or net (false)")
    small_business: bool = Field(description="Kleinunternehmer (§ 19 UStG): no VAT is charged")
    oss_registered: bool = Field(
        description="EU consumers abroad pay their own country's rate on digital services and "
        "distance sales (One-Stop-Shop); false: the merchant's home rate (below the threshold)"
    )
    invoice_number_format: str
    credit_note_number_format: str
    cancellation_number_format: str
    payment_terms_days: int
    draft_grace_days: int = Field(description="days a draft stays editable before finalization")
    usage_grace_days: int = Field(
        description="days after a billing period's end in which late usage still counts"
    )
    negative_invoices: Literal["credit_balance", "credit_note"]


class BillingSettingsPatch(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"invoice_number_format": "RE-{YYYY}-{SEQ:06}", "draft_grace_days": 2}]
        }
    )

    prices_include_tax: bool | None = None
    small_business: bool | None = None
    oss_registered: bool | None = None
    invoice_number_format: str | None = Field(None, max_length=60)
    credit_note_number_format: str | None = Field(None, max_length=60)
    cancellation_number_format: str | None = Field(None, max_length=60)
    payment_terms_days: int | None = None
    draft_grace_days: int | None = None
    usage_grace_days: int | None = None
    negative_invoices: Literal["credit_balance", "credit_note"] | None = None


@router.get(
    "/billing_settings",
    response_model=BillingSettingsOut,
    summary="The merchant's billing settings",
    responses=problem_responses(),
)
def get_settings(ctx: Context) -> BillingSettingsOut:
    return BillingSettingsOut.model_validate(settings.as_dict(settings.get(ctx)))


@router.patch(
    "/billing_settings",
    response_model=BillingSettingsOut,
    summary="Change billing settings",
    responses=problem_responses(),
)
def patch_settings(body: BillingSettingsPatch, ctx: Context) -> BillingSettingsOut:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return BillingSettingsOut.model_validate(settings.as_dict(settings.update(ctx, changes)))
