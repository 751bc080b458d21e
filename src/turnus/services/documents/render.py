"""Issued documents on demand: the archived bytes if the document was rendered before, else
rendered now from the immutable invoice and archived - so re-rendering an issued document
always returns the same bytes. The worker renders the PDFs of newly issued invoices ahead of
their first download (``render_pending``), so the billing run never waits for rendering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, not_, select

from turnus.documents.einvoice import Profile, cii_xml
from turnus.documents.pdf import render_pdf
from turnus.domain.errors import Conflict, ValidationFailed
from turnus.services.context import Actor, TenantContext
from turnus.services.documents import archive
from turnus.services.documents.source import billing_document
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock
from turnus.store.billing_tables import invoices
from turnus.store.document_tables import documents
from turnus.store.tables import tenants


@dataclass(frozen=True)
class Kind:
    media_type: str
    suffix: str


KINDS = {
    "pdf": Kind("application/pdf", ".pdf"),
    "factur_x": Kind("application/xml", "-factur-x.xml"),
    "xrechnung": Kind("application/xml", "-xrechnung.xml"),
}


def _render(ctx: TenantContext, invoice_id: str, kind: str) -> bytes:
    try:
        return _render_checked(ctx, invoice_id, kind)
    except ValueError as exc:  # the e-invoice writer names the missing data and the rule
        raise Conflict(str(exc)) from None


def _render_checked(ctx: TenantContext, invoice_id: str, kind: str) -> bytes:
    document = billing_document(ctx, invoice_id)
    if kind == "xrechnung":
        if not document.buyer.buyer_reference:
            raise ValidationFailed.field(
                "/format",
                "an XRechnung needs the buyer's Leitweg-ID (buyer_reference of the customer)",
            )
        return cii_xml(document, Profile.XRECHNUNG)
    xml = cii_xml(document, Profile.EN16931)
    if kind == "factur_x":
        return xml
    return render_pdf(document, xml)


def issued(ctx: TenantContext, invoice_id: str, kind: str) -> tuple[dict[str, Any], bytes]:
    """The archived document ``kind`` of an issued invoice (rendered and archived on first
    use) and its verified bytes."""
    if kind not in KINDS:
        raise ValidationFailed.field("/format", f"must be one of {', '.join(sorted(KINDS))}")
    row = archive.find(ctx, invoice_id, kind)
    if row is not None:
        return row, archive.read_row(row)
    content = _render(ctx, invoice_id, kind)
    invoice = ctx.scope.get(invoices, invoice_id, what="invoice")
    spec = KINDS[kind]
    row = archive.archive(
        ctx,
        owner_type="invoice",
        owner_id=invoice_id,
        kind=kind,
        content=content,
        media_type=spec.media_type,
        filename=f"{invoice['number']}{spec.suffix}",
    )
    return row, content


def unrendered(ctx: TenantContext, limit: int) -> list[str]:
    """Issued invoices without an archived PDF, oldest first."""
    has_pdf = (
        select(documents.c.owner_id)
        .where(
            and_(
                documents.c.tenant_id == ctx.tenant_id,
                documents.c.kind == "pdf",
                documents.c.owner_id == invoices.c.id,
            )
        )
        .exists()
    )
    statement = (
        ctx.scope.select(invoices, invoices.c.id)
        .where(invoices.c.number.is_not(None), not_(has_pdf))
        .order_by(invoices.c.finalized_at, invoices.c.id)
        .limit(limit)
    )
    return list(ctx.uow.connection.execute(statement).scalars())


def render_pending(
    engine: Engine,
    actor: Actor,
    wall_clock: WallClock,
    limit: int = 50,
    tenant_ids: Sequence[str] | None = None,
) -> int:
    """Render and archive the PDFs of issued invoices that have none yet, for every tenant,
    each document in its own transaction (run by ``turnus worker``; downloads render on
    demand too). Returns how many were rendered."""
    if tenant_ids is None:
        with UnitOfWork(engine) as uow:
            tenant_ids = list(uow.connection.execute(select(tenants.c.id)).scalars())
    done = 0
    for tenant_id in tenant_ids:
        with UnitOfWork(engine) as uow:
            ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=actor, wall_clock=wall_clock)
            pending = unrendered(ctx, limit - done)
        for invoice_id in pending:
            with UnitOfWork(engine) as uow:
                ctx = TenantContext(
                    uow=uow, tenant_id=tenant_id, actor=actor, wall_clock=wall_clock
                )
                issued(ctx, invoice_id, "pdf")
            done += 1
        if done >= limit:
            break
    return done
