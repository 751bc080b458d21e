"""The data of an issued document as its PDF and e-invoice show it, read from the stored,
immutable invoice (seller and buyer as snapshotted at finalization), its items and the
merchant's document settings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from turnus.documents.model import (
    BillingDocument,
    Branding,
    Line,
    Party,
    Payment,
    TaxGroup,
)
from turnus.domain.billing.document import line_nets
from turnus.domain.errors import Conflict, NotFound
from turnus.domain.tax.notes import note
from turnus.domain.tax.rules import TaxTreatment
from turnus.services.billing import settings as billing_settings
from turnus.services.context import TenantContext
from turnus.store.billing_tables import invoice_items, invoices
from turnus.store.customer_tables import customers
from turnus.store.document_tables import document_settings


def settings_row(ctx: TenantContext) -> dict[str, Any] | None:
    return ctx.scope.first(ctx.scope.select(document_settings))


def branding_of(row: dict[str, Any] | None) -> Branding:
    if row is None:
        return Branding()
    return Branding(
        primary_color=row["primary_color"],
        accent_color=row["accent_color"],
        logo=row["logo"],
        logo_media_type=row["logo_media_type"],
        sender_line=row["sender_line"],
        register_court=row["register_court"],
        register_number=row["register_number"],
        managing_directors=row["managing_directors"],
        website=row["website"],
        footer_note=row["footer_note"],
        template_html=row["template_html"],
    )


def _party(doc: dict[str, Any], *, phone: str | None = None) -> Party:
    address = doc.get("address") or doc
    return Party(
        name=doc["name"],
        street=address["street"],
        house_number=address.get("house_number"),
        postcode=address["postcode"],
        city=address["city"],
        country=address["country"],
        vat_id=doc.get("vat_id"),
        tax_number=doc.get("tax_number"),
        email=doc.get("email"),
        phone=phone,
        address_line_2=address.get("address_line_2"),
        buyer_reference=doc.get("buyer_reference"),
        customer_number=doc.get("customer_id"),
    )


def _last_day(until: date | None) -> date | None:
    return None if until is None else until - timedelta(days=1)


def billing_document(ctx: TenantContext, invoice_id: str) -> BillingDocument:
    invoice = ctx.scope.find(invoices, invoice_id)
    if invoice is None:
        raise NotFound(f"No invoice with id '{invoice_id}' exists.")
    if invoice["state"] == "draft" or invoice["number"] is None:
        raise Conflict("A draft has no document yet; finalize it first.")
    items = ctx.scope.rows(
        ctx.scope.select(invoice_items)
        .where(invoice_items.c.invoice_id == invoice_id)
        .order_by(invoice_items.c.position)
    )
    customer = ctx.scope.get(customers, invoice["customer_id"], what="customer")
    locale = customer["locale"] if customer["locale"] in ("de", "en") else "de"
    config = settings_row(ctx)
    gross = bool(invoice["prices_include_tax"])
    groups = tuple(
        TaxGroup(
            treatment=g["treatment"],
            country=g["country"],
            rate=Decimal(g["rate"]),
            net=g["net"],
            tax=g["tax"],
            gross=g["gross"],
            exemption_note=note(TaxTreatment(g["treatment"]), locale)
            if Decimal(g["rate"]) == 0
            else None,
        )
        for g in invoice["tax_breakdown"]
    )
    nets: dict[int, int] = {}
    by_group: dict[tuple[str, str, Decimal], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        key = (
            item["tax_treatment"],
            item["data"].get("tax_country", ""),
            Decimal(item["tax_rate"]),
        )
        by_group[key].append(item)
    for group in groups:
        members = by_group.get((group.treatment, group.country, group.rate), [])
        for item, net in zip(
            members,
            line_nets([i["amount"] for i in members], group.rate, group.net, gross),
            strict=True,
        ):
            nets[item["position"]] = net
    lines = tuple(
        Line(
            position=item["position"],
            description=item["description"],
            quantity=item["quantity"],
            net_amount=nets.get(item["position"], item["amount"]),
            amount=item["amount"],
            tax_treatment=item["tax_treatment"],
            tax_rate=Decimal(item["tax_rate"]),
            tax_country=item["data"].get("tax_country", ""),
            service_from=item["service_from"],
            service_until=_last_day(item["service_until"]),
        )
        for item in items
    )
    corrected = ctx.scope.find(invoices, invoice["corrects_id"]) if invoice["corrects_id"] else None
    buyer_doc = {**invoice["buyer"]}
    buyer_doc.setdefault("buyer_reference", customer.get("buyer_reference"))
    terms = billing_settings.get(ctx).payment_terms_days
    return BillingDocument(
        id=invoice["id"],
        document_type=invoice["document_type"],
        number=invoice["number"],
        issue_date=invoice["issue_date"],
        currency=invoice["currency"],
        locale=locale,
        seller=_party(invoice["seller"], phone=config["phone"] if config else None),
        buyer=_party(buyer_doc),
        lines=lines,
        tax_groups=groups,
        net_total=invoice["net_total"],
        tax_total=invoice["tax_total"],
        gross_total=invoice["gross_total"],
        credit_applied=invoice["credit_applied"],
        amount_due=invoice["amount_due"],
        prices_include_tax=gross,
        payment=Payment(
            due_date=invoice["due_date"],
            terms_days=(invoice["due_date"] - invoice["issue_date"]).days
            if invoice["due_date"]
            else terms,
            iban=config["iban"] if config else None,
            bic=config["bic"] if config else None,
            bank_name=config["bank_name"] if config else None,
        ),
        notes=tuple(invoice["notes"]),
        service_from=invoice["service_from"],
        service_until=_last_day(invoice["service_until"]),
        corrects_number=corrected["number"] if corrected else None,
        corrects_issue_date=corrected["issue_date"] if corrected else None,
        reason=invoice["reason"],
        branding=branding_of(config),
    )
