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
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import weasyprint
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint.text.fonts import FontConfiguration

from turnus.documents.facturx_xmp import _FacturXMetadata, facturx_level
from turnus.documents.model import BillingDocument
from turnus.documents.pdf_context import build_context

TEMPLATES = Path(__file__).parent / "templates"
FACTURX_FILENAME = "factur-x.xml"
XRECHNUNG_FILENAME = "xrechnung.xml"  # ZUGFeRD 2.3, profile XRECHNUNG


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
