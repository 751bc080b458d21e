"""The merchant's document settings: branding, legal footer, own template, mail sender."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.api.schemas import Output, StrictInput, problem_responses
from turnus.services.documents import settings

router = APIRouter(prefix="/v1", tags=["documents"], route_class=TenantRoute)


class DocumentSettingsOut(Output):
    logo_base64: str | None = Field(description="the logo, base64")
    logo_media_type: str | None
    primary_color: str
    accent_color: str
    sender_line: str | None = Field(description="the small sender line above the address")
    bank_name: str | None
    iban: str | None
    bic: str | None
    register_court: str | None
    register_number: str | None
    managing_directors: str | None
    phone: str | None
    website: str | None
    footer_note: str | None
    template_html: str | None = Field(description="own invoice template (Jinja2); null: default")
    email_from: str | None
    email_from_name: str | None
    email_reply_to: str | None


class DocumentSettingsPatch(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "primary_color": "#1f3a5f",
                    "register_court": "Amtsgericht Berlin-Charlottenburg",
                    "register_number": "HRB 123456 B",
                    "managing_directors": "Anna Beispiel",
                    "iban": "DE02120300000000202051",
                    "bic": "BYLADEM1001",
                    "bank_name": "Deutsche Kreditbank Berlin",
                }
            ]
        }
    )

    logo_base64: str | None = Field(None, max_length=700_000)
    logo_media_type: str | None = Field(None, description="image/png, image/jpeg, image/svg+xml")
    primary_color: str | None = None
    accent_color: str | None = None
    sender_line: str | None = Field(None, max_length=200)
    bank_name: str | None = Field(None, max_length=100)
    iban: str | None = Field(None, max_length=42)
    bic: str | None = Field(None, max_length=11)
    register_court: str | None = Field(None, max_length=100)
    register_number: str | None = Field(None, max_length=50)
    managing_directors: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    website: str | None = Field(None, max_length=200)
    footer_note: str | None = Field(None, max_length=500)
    template_html: str | None = None
    email_from: str | None = Field(None, max_length=254)
    email_from_name: str | None = Field(None, max_length=200)
    email_reply_to: str | None = Field(None, max_length=254)


def _out(values: dict[str, Any]) -> DocumentSettingsOut:
    logo = values.get("logo")
    return DocumentSettingsOut.model_validate(
        {**values, "logo_base64": base64.b64encode(logo).decode() if logo else None}
    )


@router.get(
    "/document_settings",
    response_model=DocumentSettingsOut,
    summary="Branding, legal footer, template and mail sender of the merchant's documents",
    responses=problem_responses(),
)
def get_document_settings(ctx: Context) -> DocumentSettingsOut:
    return _out(settings.get(ctx))


@router.patch(
    "/document_settings",
    response_model=DocumentSettingsOut,
    summary="Change document settings (fields set to null are cleared)",
    responses=problem_responses(),
)
def patch_document_settings(body: DocumentSettingsPatch, ctx: Context) -> DocumentSettingsOut:
    return _out(settings.update(ctx, body.model_dump(exclude_unset=True)))
