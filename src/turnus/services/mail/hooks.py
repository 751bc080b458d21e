"""The mails business events cause, written to the outbox in the transaction of the event:
an issued invoice, credit note or cancellation invoice goes to the customer with its PDF; a
received cancellation is confirmed in text form (§ 312k BGB).

Nothing of an invoice's mail is rendered yet (a billing run never waits for rendering): the
message stores the mail's template values as of issue, rendered when the message is first read
or sent; the PDF is referred to by owner and kind, and the sender takes it from the archive,
rendering and archiving it on first use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from turnus.domain.customer import CustomerKind, name_of
from turnus.services import customers as customer_service
from turnus.services import tenants
from turnus.services.context import TenantContext
from turnus.services.mail import outbox, templates
from turnus.store.billing_tables import invoices as invoice_table
from turnus.store.ids import new_ids
from turnus.store.scope import one_of

CANCELLATION_CONFIRMATION = "cancellation_confirmation"


def _greeting_name(customer: Mapping[str, Any]) -> str | None:
    """Persons are greeted by name, companies without one."""
    if customer.get("kind") != CustomerKind.PERSON.value:
        return None
    name = name_of(CustomerKind.PERSON, None, customer.get("first_name"), customer.get("last_name"))
    return name or None


_NOT_IN_FILENAMES = str.maketrans(dict.fromkeys('/\\:*?"<>|', "-"))


def _pdf_filename(number: str) -> str:
    return number.translate(_NOT_IN_FILENAMES) + ".pdf"


def _corrected_numbers(
    ctx: TenantContext, documents: Sequence[Mapping[str, Any]]
) -> dict[str, str | None]:
    """The numbers of the invoices that credit notes and cancellations correct."""
    ids = sorted({d["corrects_id"] for d in documents if d.get("corrects_id")})
    if not ids:
        return {}
    statement = ctx.scope.select(invoice_table, invoice_table.c.id, invoice_table.c.number).where(
        one_of(invoice_table.c.id, ids)
    )
    return {row.id: row.number for row in ctx.uow.connection.execute(statement)}


def invoices_issued(
    ctx: TenantContext,
    documents: Sequence[Mapping[str, Any]],
    customers: Mapping[str, Mapping[str, Any]],
) -> int:
    """Enqueue the mail of each issued (finalized) document to its customer, with one bulk
    insert; ``customers``: the customer rows by id (id, kind, first_name, last_name, email,
    locale). Documents without a number (drafts) and customers without an address are
    skipped. How many mails were enqueued."""
    issued = [d for d in documents if d.get("number")]
    if not issued:
        return 0
    tenant = tenants.get_tenant(ctx.uow, ctx.tenant_id)
    sender = outbox.sender_of(ctx, tenant)
    merchant = sender.name or tenant["company_name"]
    corrected = _corrected_numbers(ctx, issued)
    now, wall_now = ctx.now(), ctx.wall_clock.now()
    message_ids = new_ids("msg", len(issued))
    rows = []
    for document, message_id in zip(issued, message_ids, strict=True):
        customer = customers[document["customer_id"]]
        address = (customer.get("email") or "").strip()
        if not address:
            continue
        template = templates.stored_invoice_mail(
            document,
            language=templates.language_of(customer.get("locale")),
            greeting_name=_greeting_name(customer),
            merchant=merchant,
            corrected_number=corrected.get(document.get("corrects_id") or ""),
        )
        rows.append(
            outbox.message_row(
                ctx,
                sender,
                kind=document["document_type"],
                to=address,
                template=template,
                attachments=[
                    {
                        "owner_id": document["id"],
                        "kind": "pdf",
                        "filename": _pdf_filename(document["number"]),
                        "media_type": "application/pdf",
                    }
                ],
                related_type="invoice",
                related_id=document["id"],
                now=now,
                wall_now=wall_now,
                message_id=message_id,
            )
        )
    return outbox.enqueue_rows(ctx, rows)


def invoice_issued(ctx: TenantContext, invoice_row: Mapping[str, Any]) -> int:
    """Enqueue the mail of one issued invoice, credit note or cancellation invoice."""
    customer = customer_service.get_customer(ctx, invoice_row["customer_id"])
    return invoices_issued(ctx, [invoice_row], {customer["id"]: customer})


def cancellation_received(
    ctx: TenantContext,
    contract_row: Mapping[str, Any],
    customer_row: Mapping[str, Any],
    confirmation: Mapping[str, Any],
) -> dict[str, Any] | None:
    """Enqueue the confirmation of a received cancellation (``confirmation``: the one stored
    with it, see ``turnus.services.contracts.confirmation``) to the customer."""
    address = (customer_row.get("email") or "").strip()
    if not address:
        return None
    tenant = tenants.get_tenant(ctx.uow, ctx.tenant_id)
    sender = outbox.sender_of(ctx, tenant)
    mail = templates.cancellation_mail(
        confirmation,
        contract_id=contract_row["id"],
        greeting_name=_greeting_name(customer_row),
        merchant=sender.name or tenant["company_name"],
        consumer=customer_row.get("tax_status") != "business",
        timezone=ctx.clock.timezone,
    )
    row = outbox.message_row(
        ctx,
        sender,
        kind=CANCELLATION_CONFIRMATION,
        to=address,
        subject=mail.subject,
        body_text=mail.text,
        body_html=mail.html,
        related_type="contract",
        related_id=contract_row["id"],
    )
    outbox.enqueue_rows(ctx, [row])
    return row
