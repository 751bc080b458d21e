"""Issued documents for download: the invoice PDF (PDF/A-3 with the embedded ZUGFeRD /
Factur-X XML) and the e-invoice XML (Factur-X EN 16931 or XRechnung 3.0)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.api.schemas import problem_responses
from turnus.services.documents import render

router = APIRouter(prefix="/v1/invoices", tags=["invoices"], route_class=TenantRoute)


def _download(content: bytes, row: dict[str, object]) -> Response:
    return Response(
        content=content,
        media_type=str(row["media_type"]),
        headers={
            "Content-Disposition": f'attachment; filename="{row["filename"]}"',
            "ETag": f'"{row["sha256"]}"',
            "Cache-Control": "private, max-age=31536000, immutable",
        },
    )


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    summary="The issued document as PDF/A-3 with the embedded e-invoice XML",
    responses={
        **problem_responses(404, 409),
        200: {"content": {"application/pdf": {"example": "%PDF-1.7 ..."}}},
    },
)
def download_pdf(invoice_id: str, ctx: Context) -> Response:
    row, content = render.issued(ctx, invoice_id, "pdf")
    return _download(content, row)


@router.get(
    "/{invoice_id}/e_invoice",
    response_class=Response,
    summary="The issued document as e-invoice XML (CII): Factur-X/ZUGFeRD or XRechnung",
    responses={
        **problem_responses(404, 409),
        200: {"content": {"application/xml": {"example": "<rsm:CrossIndustryInvoice ..."}}},
    },
)
def download_e_invoice(
    invoice_id: str,
    ctx: Context,
    format: Annotated[
        Literal["factur_x", "xrechnung"],
        Query(description="factur_x (EN 16931) or xrechnung (3.0, needs the Leitweg-ID)"),
    ] = "factur_x",
) -> Response:
    row, content = render.issued(ctx, invoice_id, format)
    return _download(content, row)
