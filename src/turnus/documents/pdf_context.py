"""The template context of the invoice PDF, built from a billing document: the rows, the tax table,
the totals, the payment block, the footer and the branding."""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from typing import Any

from turnus.documents.model import BillingDocument, Line, Party, TaxGroup
from turnus.documents.pdf_format import (
    _BABEL_LOCALES,
    EN_DASH,
    NBSP,
    Formatter,
    format_iban,
    mask_iban,
)
from turnus.documents.pdf_labels import LABELS

_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}


# --- the template context ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    position: int
    description: str
    quantity: str
    unit_price: str
    amount: str
    rate: str
    period: str | None


@dataclass(frozen=True)
class TaxRow:
    rate: str
    label: str | None
    net: str
    tax: str
    gross: str


@dataclass(frozen=True)
class TotalRow:
    label: str
    value: str
    kind: str


@dataclass(frozen=True)
class PaymentView:
    heading: str
    text: str
    details: list[tuple[str, str]]
    terms: str | None
    due_date: str | None


def _address(party: Party, home_country: str, lang: str) -> list[str]:
    street = " ".join(part for part in (party.street, party.house_number) if part)
    lines = [party.name, street]
    if party.address_line_2:
        lines.append(party.address_line_2)
    lines.append(f"{party.postcode} {party.city}".strip())
    if party.country and party.country != home_country:
        name = _BABEL_LOCALES[lang].territories.get(party.country, party.country)
        lines.append(name.upper() if lang == "de" else name)
    return [line for line in lines if line]


def _tax_label(group: TaxGroup, t: dict[str, str], home_country: str) -> str | None:
    if group.treatment in ("domestic", "oss"):
        return group.country if group.country and group.country != home_country else None
    return t.get(group.treatment)


def _notes(document: BillingDocument) -> list[str]:
    seen: list[str] = []
    for text in (*document.notes, *(g.exemption_note for g in document.tax_groups)):
        if text and text.strip() and text.strip() not in seen:
            seen.append(text.strip())
    return seen


def _payment(document: BillingDocument, fmt: Formatter, t: dict[str, str]) -> PaymentView:
    payment = document.payment
    due = fmt.date(payment.due_date) if payment.due_date else None
    terms = (
        t["terms_days"].format(days=payment.terms_days)
        if payment.terms_days > 0
        else t["terms_immediately"]
    )
    amount = fmt.money(document.amount_due)
    if document.amount_due <= 0:
        if document.credit_applied > 0 and document.gross_total > 0:
            text = t["paid_by_credit"]
        elif document.document_type == "invoice" and document.gross_total < 0:
            text = t["credited_to_balance"].format(amount=fmt.money(-document.gross_total))
        else:
            text = t["no_payment"]
        return PaymentView(t["no_payment_heading"], text, [], None, None)
    debit = payment.direct_debit
    if debit is not None:
        masked = mask_iban(debit.debtor_iban)
        text = t["direct_debit_text"].format(
            amount=amount, date=fmt.date(debit.debit_date), iban=masked.replace(" ", NBSP)
        )
        details = [
            (t["mandate_reference"], debit.mandate_reference),
            (t["creditor_id"], debit.creditor_id),
            (t["debtor_iban"], masked),
            (t["debit_date"], fmt.date(debit.debit_date)),
        ]
        return PaymentView(t["direct_debit_heading"], text, details, terms, due)
    until = t["transfer_until"].format(date=due) if due else ""
    if not payment.iban:
        text = t["transfer_text_no_account"].format(
            amount=amount, until=until, number=document.number
        )
        return PaymentView(t["transfer_heading"], text, [], terms, due)
    text = t["transfer_text"].format(amount=amount, until=until, number=document.number)
    details = [(t["account_holder"], document.seller.name), (t["iban"], format_iban(payment.iban))]
    if payment.bic:
        details.append((t["bic"], payment.bic))
    if payment.bank_name:
        details.append((t["bank"], payment.bank_name))
    details.append((t["payment_reference"], document.number))
    return PaymentView(t["transfer_heading"], text, details, terms, due)


def _footer(document: BillingDocument, t: dict[str, str], lang: str) -> list[list[str]]:
    seller, branding, payment = document.seller, document.branding, document.payment
    home = seller.country
    columns = [_address(seller, home, lang)]
    contact = []
    if seller.phone:
        contact.append(f"{t['phone']} {seller.phone}")
    if seller.email:
        contact.append(f"{t['email']} {seller.email}")
    if branding.website:
        contact.append(_website(branding.website))
    columns.append(contact)
    legal = []
    if branding.register_court or branding.register_number:
        legal.append(" ".join(p for p in (branding.register_court, branding.register_number) if p))
    if branding.managing_directors:
        legal.append(f"{t['managing_directors']}: {branding.managing_directors}")
    if seller.vat_id:
        legal.append(f"{t['vat_id']} {seller.vat_id}")
    if seller.tax_number:
        legal.append(f"{t['tax_number']} {seller.tax_number}")
    columns.append(legal)
    bank = []
    if payment.bank_name:
        bank.append(payment.bank_name)
    if payment.iban:
        bank.append(f"IBAN {format_iban(payment.iban)}")
    if payment.bic:
        bank.append(f"BIC {payment.bic}")
    columns.append(bank)
    return [column for column in columns if column]


def _seller_contact(document: BillingDocument, t: dict[str, str], lang: str) -> list[str]:
    """The letterhead's lines under the logo: address, phone and email, website."""
    address = _address(document.seller, document.seller.country, lang)[1:]
    contact = []
    if document.seller.phone:
        contact.append(f"{t['phone']} {document.seller.phone}")
    if document.seller.email:
        contact.append(document.seller.email)
    lines = [" · ".join(address), " · ".join(contact)]
    if document.branding.website:
        lines.append(_website(document.branding.website))
    return [line for line in lines if line]


def _website(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


def _color(value: str, default: str) -> str:
    return value if _HEX_COLOR.fullmatch(value or "") else default


@functools.lru_cache(maxsize=32)
def _data_uri(content: bytes, media_type: str | None) -> str | None:
    if media_type not in _LOGO_TYPES:
        media_type = _sniff_image(content)
        if media_type is None:
            return None
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _sniff_image(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if b"<svg" in content[:1024]:
        return "image/svg+xml"
    return None


def build_context(document: BillingDocument) -> dict[str, Any]:
    """The template context (see the module docstring)."""
    lang = document.locale if document.locale in LABELS else "de"
    t = LABELS[lang]
    fmt = Formatter(lang, document.currency)
    home = document.seller.country
    is_credit = document.document_type == "credit_note"
    title = t.get(document.document_type, t["invoice"])
    number_label = t["credit_note_number"] if is_credit else t["invoice_number"]
    date_label = t["credit_note_date"] if is_credit else t["invoice_date"]
    issue_date = fmt.date(document.issue_date)
    service_period = fmt.period(document.service_from, document.service_until)

    info: list[tuple[str, str]] = [(number_label, document.number), (date_label, issue_date)]
    if document.buyer.customer_number:
        info.append((t["customer_number"], document.buyer.customer_number))
    if service_period is None:
        info.append((t["service_date"], t["service_date_is_issue_date"]))
    elif document.service_until is None or document.service_until == document.service_from:
        info.append((t["service_date"], service_period))
    else:
        info.append((t["service_period"], service_period))
    correction = reason = None
    if document.corrects_number:
        corrected_date = (
            fmt.date(document.corrects_issue_date) if document.corrects_issue_date else EN_DASH
        )
        reference = t["invoice_of"].format(number=document.corrects_number, date=corrected_date)
        info.append((t["refers_to"], reference))
        key = "intro_cancellation" if document.document_type == "cancellation" else None
        key = key or "intro_credit_note"
        correction = t[key].format(number=document.corrects_number, date=corrected_date)
    if document.reason:
        reason = t["reason"].format(reason=document.reason)
    if document.buyer.vat_id:
        info.append((t["buyer_vat_id"], document.buyer.vat_id))
        if document.seller.vat_id:
            info.append((t["seller_vat_id"], document.seller.vat_id))
    if document.buyer.buyer_reference:
        info.append((t["buyer_reference"], document.buyer.buyer_reference))
    if document.payment.due_date and document.amount_due > 0:
        info.append((t["due_date"], fmt.date(document.payment.due_date)))

    show_tax = not document.small_business
    lines = [_line_row(line, fmt) for line in document.lines]
    tax_rows = [
        TaxRow(
            fmt.percent(g.rate),
            _tax_label(g, t, home),
            fmt.money(g.net),
            fmt.money(g.tax),
            fmt.money(g.gross),
        )
        for g in sorted(document.tax_groups, key=lambda g: (-g.rate, g.treatment, g.country))
    ]
    totals: list[TotalRow] = []
    if show_tax:
        totals.append(TotalRow(t["net"], fmt.money(document.net_total), "net"))
        for g in sorted(document.tax_groups, key=lambda g: (-g.rate, g.treatment, g.country)):
            if g.rate or g.tax:
                label = t["vat_rate"].format(rate=fmt.percent(g.rate))
                if g.country and g.country != home:
                    label = f"{label} ({g.country})"
                totals.append(TotalRow(label, fmt.money(g.tax), "tax"))
        if not any(row.kind == "tax" for row in totals):
            totals.append(TotalRow(t["vat"], fmt.money(document.tax_total), "tax"))
    totals.append(TotalRow(t["total"], fmt.money(document.gross_total), "gross"))
    if document.credit_applied:
        totals.append(TotalRow(t["credit_applied"], fmt.money(-document.credit_applied), "credit"))
    if document.credit_applied or (
        document.amount_due and document.amount_due != document.gross_total
    ):
        totals.append(TotalRow(t["amount_due"], fmt.money(document.amount_due), "due"))

    branding = document.branding
    sender_line = branding.sender_line or " · ".join(_address(document.seller, home, lang))
    intro = correction if correction else t["intro_invoice"]
    return {
        "doc": document,
        "lang": lang,
        "t": t,
        "title": title,
        "number_label": number_label,
        "date_label": date_label,
        "issue_date": issue_date,
        "seller": document.seller,
        "buyer": document.buyer,
        "seller_address": _address(document.seller, home, lang),
        "buyer_address": _address(document.buyer, home, lang),
        "sender_line": sender_line,
        "seller_contact": _seller_contact(document, t, lang),
        "info": info,
        "service_period": service_period,
        "correction": correction,
        "reason": reason,
        "intro": intro,
        "lines": lines,
        "amounts_note": (t["amounts_gross"] if document.prices_include_tax else t["amounts_net"])
        if show_tax
        else None,
        "show_tax": show_tax,
        "tax_rows": tax_rows,
        "totals": totals,
        "notes": _notes(document),
        "payment": _payment(document, fmt, t),
        "footer": _footer(document, t, lang),
        "footer_note": branding.footer_note,
        "logo_uri": _data_uri(branding.logo, branding.logo_media_type) if branding.logo else None,
        "primary_color": _color(branding.primary_color, "#1f3a5f"),
        "accent_color": _color(branding.accent_color, "#d97706"),
        "page_label": t["page"],
        "of_label": t["of"],
        "fmt": fmt,
    }


def _line_row(line: Line, fmt: Formatter) -> LineRow:
    return LineRow(
        position=line.position,
        description=line.description,
        quantity=fmt.quantity(line.quantity),
        unit_price=fmt.unit_price(line.amount, line.quantity),
        amount=fmt.money(line.amount),
        rate=fmt.percent(line.tax_rate),
        period=fmt.period(line.service_from, line.service_until),
    )
