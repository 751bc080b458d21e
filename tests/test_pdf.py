"""Invoice PDFs: § 14 UStG contents in German and English, PDF/A-3b with the Factur-X XML
embedded byte for byte, merchant templates (sandboxed), autoescaping, multi-page layout."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import facturx
import pytest
from jinja2.exceptions import SecurityError
from pypdf import PdfReader

from tests.document_fixtures import (
    ALL,
    domestic_invoice,
)
from turnus.documents.einvoice import Profile, cii_xml
from turnus.documents.facturx_xmp import facturx_level
from turnus.documents.model import BillingDocument, TaxGroup
from turnus.documents.pdf import render_html, render_pdf
from turnus.documents.pdf_context import build_context
from turnus.documents.pdf_format import Formatter, mask_iban

# a 1x1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f8ee3c0000000049454e44ae426082"
)


@cache
def _xml(name: str) -> bytes:
    return cii_xml(ALL[name]())


@cache
def _pdf(name: str) -> bytes:
    return render_pdf(ALL[name](), _xml(name))


def _text(pdf: bytes) -> str:
    """All pages' text, with no-break and narrow spaces as plain spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\u00a0\u202f]", " ", text)


def _flat(pdf: bytes) -> str:
    """The text with all whitespace collapsed (table cells may be extracted on one line)."""
    return re.sub(r"\s+", " ", _text(pdf))


def _xmp(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


# --- every fixture -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_fixture_renders_a_pdf_a3_with_its_xml(name: str) -> None:
    pdf = _pdf(name)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    assert reader.attachments == {"factur-x.xml": [_xml(name)]}
    xmp = _xmp(pdf)
    assert re.search(r'pdfaid:part="3"|<pdfaid:part>3</pdfaid:part>', xmp)
    assert re.search(r'pdfaid:conformance="B"|<pdfaid:conformance>B</pdfaid:conformance>', xmp)
    document = ALL[name]()
    text = _flat(pdf)
    assert document.number in text
    assert document.seller.name in text
    assert document.buyer.name in text
    assert document.buyer.street in text


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_seller_tax_identification_is_printed(name: str) -> None:
    document = ALL[name]()
    text = _flat(_pdf(name))
    if document.seller.vat_id:
        assert document.seller.vat_id in text
    if document.seller.tax_number:
        assert document.seller.tax_number in text
    assert document.seller.vat_id or document.seller.tax_number


# --- § 14 contents, German ---------------------------------------------------------------------


def test_domestic_invoice_in_german() -> None:
    text = _flat(_pdf("domestic"))
    for expected in (
        "Rechnung RE-2026-000042",
        "Rechnungsnummer",
        "Rechnungsdatum 25.11.2026",
        "Kundennummer",
        "cus_01m8r1cz3few5b4bsx6fnjkffr",
        "Leistungszeitraum 25.11.2026 \u2013 24.12.2026",
        "Pos.",
        "Beschreibung",
        "Menge",
        "Einzelpreis",
        "Betrag",
        "Kaffee-Abo Classic - monatlich",
        "Überraschungsbox",
        "6,90 €",  # unit price of 2 x Überraschungsbox
        "13,80 €",
        "49,00 €",
        "Netto",
        "USt. 19 %",
        "USt. 7 %",
        "9,31 €",
        "2,01 €",
        "58,31 €",  # gross at 19 %
        "30,71 €",  # gross at 7 %
        "77,70 €",
        "Gesamt 89,02 €",
        "Fällig am 09.12.2026",
        "Zahlungsbedingungen",
        "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
        "Bankverbindung",
        "DE02 1203 0000 0000 2020 51",
        "BYLADEM1001",
        "Verwendungszweck RE-2026-000042",
        "Amtsgericht Berlin-Charlottenburg",
        "HRB 123456 B",
        "Anna Beispiel, Jonas Muster",
        "kaffee.example",
        "Seite 1 von 1",
    ):
        assert expected in text, expected


def test_quantities_have_no_trailing_zeros_and_a_line_without_end_shows_its_date() -> None:
    html = render_html(domestic_invoice())
    assert ">2<" in html  # Decimal(2), not 2.00
    assert "25.11.2026</div>" in html  # the grinder: a date of supply, not a period


def test_reverse_charge_invoice_in_english() -> None:
    text = _flat(_pdf("reverse_charge"))
    for expected in (
        "Invoice RE-2026-000042",
        "Invoice date Nov 25, 2026",
        "Service period Nov 25, 2026 \u2013 Dec 24, 2026",
        "Your VAT ID FR40303265045",
        "Our VAT ID DE136695976",
        "€100.00",
        "Steuerschuldnerschaft des Leistungsempfängers",
        "Total €100.00",
        "Due date Dec 9, 2026",
        "Payable within 14 days without deduction.",
        "Page 1 of 1",
        "France",
    ):
        assert expected in text, expected


def test_oss_invoice_shows_the_destination_rate() -> None:
    text = _flat(_pdf("oss"))
    assert "USt. 20 % (AT)" in text
    assert "20,00 €" in text
    assert "120,00 €" in text
    assert "ÖSTERREICH" in text  # the buyer's country in the address


def test_small_business_invoice_has_the_note_and_no_vat() -> None:
    text = _flat(_pdf("small_business"))
    assert "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet." in text
    assert "Gesamt 14,90 €" in text
    assert "USt." not in text.replace("USt-IdNr", "")
    assert "Steuernummer 2181508150" in text


def test_direct_debit_invoice_has_the_sepa_pre_notification() -> None:
    text = _flat(_pdf("direct_debit"))
    assert "SEPA-Lastschrift" in text
    assert "Den Betrag von 89,02 € ziehen wir am 02.12.2026" in text
    assert "Mandatsreferenz MANDAT-2026-0001" in text
    assert "Gläubiger-ID DE98ZZZ09999999999" in text
    assert "DE** **** **** **** **30 00" in text
    assert "0532 0130" not in text  # the debtor's IBAN is masked
    assert "Bitte überweisen" not in text


def test_credit_note_refers_to_the_corrected_invoice() -> None:
    text = _flat(_pdf("credit_note"))
    assert "Gutschrift GS-2026-000007" in text
    assert "Gutschriftsnummer" in text
    assert "Zu Rechnung RE-2026-000042 vom 25.11.2026" in text
    assert "Grund: Gerät defekt zurückgesandt" in text
    assert "-49,00 €" in text
    assert "-58,31 €" in text
    assert "Es ist keine Zahlung erforderlich." in text


def test_cancellation_invoice_refers_to_the_cancelled_invoice() -> None:
    text = _flat(_pdf("cancellation"))
    assert "Stornorechnung ST-2026-000003" in text
    assert "Hiermit stornieren wir die Rechnung RE-2026-000042 vom 25.11.2026." in text
    assert "Grund: Falscher Tarif" in text
    assert "-89,02 €" in text


def test_public_sector_invoice_shows_the_leitweg_id() -> None:
    assert "Leitweg-ID 991-03730-19" in _flat(_pdf("public_sector"))


def test_credit_applied_and_amount_due() -> None:
    document = replace(domestic_invoice(), credit_applied=1000, amount_due=7902)
    text = _flat(render_pdf(document, None))
    assert "Abzüglich Guthaben -10,00 €" in text
    assert "Zu zahlen 79,02 €" in text
    assert "Bitte überweisen Sie den Betrag von 79,02 €" in text


def test_fully_settled_by_credit() -> None:
    document = replace(domestic_invoice(), credit_applied=8902, amount_due=0)
    text = _flat(render_pdf(document, None))
    assert "Zu zahlen 0,00 €" in text
    assert "mit Ihrem Guthaben verrechnet" in text


def test_without_a_service_period_the_date_of_supply_is_the_invoice_date() -> None:
    document = replace(domestic_invoice(), service_from=None, service_until=None)
    assert "Leistungsdatum entspricht Rechnungsdatum" in _flat(render_pdf(document, None))


# --- PDF/A-3 and Factur-X ----------------------------------------------------------------------


def test_the_embedded_xml_is_factur_x() -> None:
    pdf = _pdf("domestic")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == "factur-x.xml"
    filespec = names[1].get_object()
    assert filespec["/AFRelationship"] == "/Alternative"
    assert filespec["/UF"] == "factur-x.xml"
    stream = filespec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/text/xml"
    assert stream.get_data() == _xml("domestic")
    associated = [ref.get_object() for ref in root["/AF"]]
    assert associated == [filespec]
    xmp = _xmp(pdf)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "<fx:DocumentType>INVOICE</fx:DocumentType>" in xmp
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp
    assert "<pdfaSchema:prefix>fx</pdfaSchema:prefix>" in xmp
    assert xmp.count("<rdf:RDF") == 1
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    # the factur-x library reads it back
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert (filename, xml) == ("factur-x.xml", _xml("domestic"))


def test_without_xml_a_pdf_a3_without_attachment() -> None:
    pdf = render_pdf(domestic_invoice(), None)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    xmp = _xmp(pdf)
    assert 'pdfaid:part="3"' in xmp
    assert "fx:" not in xmp


def test_the_level_follows_the_guideline_and_invalid_xml_is_refused() -> None:
    xml = _xml("domestic")
    assert facturx_level(xml) == "EN 16931"
    with pytest.raises(ValueError, match="no CII"):
        facturx_level(b"<Invoice/>")
    broken = xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Nonsense/>", 1)
    with pytest.raises(ValueError, match="XSD"):
        facturx_level(broken)
    unknown = xml.replace(b"urn:cen.eu:en16931:2017<", b"urn:example:other<", 1)
    with pytest.raises(ValueError, match="guideline"):
        render_pdf(domestic_invoice(), unknown)


# --- merchant templates, escaping, branding ---------------------------------------------------

CUSTOM = """<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8">
<style>body { font-family: "DejaVu Sans"; font-size: 10pt; }</style></head><body>
<h1>MEIN EIGENES LAYOUT {{ title }} {{ doc.number }}</h1>
{% for line in lines %}<p>{{ line.description }}: {{ line.amount }}</p>{% endfor %}
<p>Summe {{ doc.gross_total|money }} am {{ doc.issue_date|date }}</p>
{% for note in notes %}<p>{{ note }}</p>{% endfor %}
<p>{{ payment.text }}</p>
</body></html>"""


def _branded(document: BillingDocument, **changes: Any) -> BillingDocument:
    return replace(document, branding=replace(document.branding, **changes))


def test_a_merchant_template_replaces_the_default() -> None:
    document = _branded(domestic_invoice(), template_html=CUSTOM)
    text = _flat(render_pdf(document, _xml("domestic")))
    assert "MEIN EIGENES LAYOUT Rechnung RE-2026-000042" in text
    assert "Kaffeemühle: 49,00 €" in text
    assert "Summe 89,02 € am 25.11.2026" in text
    assert "Bankverbindung" not in text  # not the default template


def test_merchant_templates_run_in_the_sandbox() -> None:
    document = _branded(domestic_invoice(), template_html="{{ doc.__class__.__mro__ }}")
    with pytest.raises(SecurityError):
        render_html(document)


def test_merchant_templates_cannot_read_files() -> None:
    template = CUSTOM.replace(
        "</head>",
        '<link rel="attachment" href="file:///etc/hostname">'
        '<link rel="stylesheet" href="file:///etc/hostname"></head>',
    ).replace("<h1>", '<img src="file:///etc/hostname"><h1>')
    pdf = render_pdf(_branded(domestic_invoice(), template_html=template), None)
    assert PdfReader(io.BytesIO(pdf)).attachments == {}


@pytest.mark.parametrize("template", [None, CUSTOM])
def test_descriptions_are_escaped(template: str | None) -> None:
    document = domestic_invoice()
    evil = replace(document.lines[0], description='<script>alert("x")</script><b>fett</b>')
    document = _branded(
        replace(document, lines=(evil, *document.lines[1:])), template_html=template
    )
    html = render_html(document)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html
    assert '<script>alert("x")</script>' in _text(render_pdf(document, None))


def test_logo_and_colours() -> None:
    document = _branded(
        domestic_invoice(), logo=PNG, logo_media_type="image/png", primary_color="#0a7d4f"
    )
    html = render_html(document)
    assert 'src="data:image/png;base64,' in html
    assert "--primary: #0a7d4f" in html
    pdf = render_pdf(document, None)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert any(
        obj.get_object().get("/Subtype") == "/Image"
        for obj in page["/Resources"]["/XObject"].values()
    )


def test_a_colour_is_no_way_to_inject_css() -> None:
    document = _branded(domestic_invoice(), primary_color="red; } body { display: none")
    html = render_html(document)
    assert "display: none" not in html
    assert "--primary: #1f3a5f" in html


def test_without_a_logo_the_seller_name_is_the_wordmark() -> None:
    assert '<div class="wordmark">Kaffeerösterei Beispiel GmbH</div>' in render_html(
        domestic_invoice()
    )


def test_sender_line_defaults_to_the_seller_address() -> None:
    document = _branded(domestic_invoice(), sender_line=None)
    assert build_context(document)["sender_line"] == (
        "Kaffeerösterei Beispiel GmbH · Rosenthaler Straße 40 · 10178 Berlin"
    )


# --- multi-page --------------------------------------------------------------------------------


def test_a_long_invoice_repeats_the_table_header_and_numbers_its_pages() -> None:
    document = domestic_invoice()
    template = document.lines[0]
    lines = tuple(
        replace(template, position=i, description=f"Position Nummer {i}") for i in range(1, 61)
    )
    document = replace(document, lines=lines)
    reader = PdfReader(io.BytesIO(render_pdf(document, None)))
    pages = len(reader.pages)
    assert pages >= 3
    for number, page in enumerate(reader.pages, start=1):
        text = re.sub(r"[\u00a0\s]+", " ", page.extract_text())
        assert f"Seite {number} von {pages}" in text
        assert "Beschreibung" in text or number == pages  # the header repeats with the table
        assert "HRB 123456 B" in text  # the footer on every page
    last = re.sub(r"\s+", " ", reader.pages[-1].extract_text())
    assert "Position Nummer 60" in _text(render_pdf(document, None))
    assert "Gesamt" in last


# --- formatting --------------------------------------------------------------------------------

FORMATS: list[tuple[str, Callable[[Formatter], str], str]] = [
    ("de", lambda f: f.money(123456), "1.234,56 €"),
    ("en", lambda f: f.money(123456), "€1,234.56"),
    ("de", lambda f: f.money(-4900), "-49,00 €"),
    ("de", lambda f: f.date(date(2026, 11, 25)), "25.11.2026"),
    ("en", lambda f: f.date(date(2026, 11, 25)), "Nov 25, 2026"),
    ("de", lambda f: f.quantity(Decimal("2.500")), "2,5"),
    ("en", lambda f: f.quantity(Decimal("1250.0")), "1,250"),
    ("de", lambda f: f.quantity(Decimal(3)), "3"),
    ("de", lambda f: f.percent(Decimal(19)), "19 %"),
    ("en", lambda f: f.percent(Decimal(19)), "19%"),
    ("de", lambda f: f.percent(Decimal("5.5")), "5,5 %"),
    ("de", lambda f: f.unit_price(1380, Decimal(2)), "6,90 €"),
    ("de", lambda f: f.unit_price(1000, Decimal(3)), "3,3333 €"),
    ("de", lambda f: f.unit_price(1494, Decimal("1.25")), "11,952 €"),
    (
        "de",
        lambda f: f.period(date(2026, 11, 25), date(2026, 12, 24)) or "",
        "25.11.2026 \u2013 24.12.2026",
    ),
]


@pytest.mark.parametrize(("lang", "call", "expected"), FORMATS)
def test_formatting(lang: str, call: Callable[[Formatter], str], expected: str) -> None:
    assert re.sub(r"[\u00a0\u202f]", " ", call(Formatter(lang, "EUR"))) == expected


def test_mask_iban() -> None:
    assert mask_iban("DE89370400440532013000") == "DE** **** **** **** **30 00"
    assert mask_iban("de89 3704 0044 0532 0130 00") == "DE** **** **** **** **30 00"


def test_an_xrechnung_is_embedded_as_xrechnung_xml() -> None:
    document = ALL["public_sector"]()
    xml = cii_xml(document, Profile.XRECHNUNG)
    pdf = render_pdf(document, xml)
    assert PdfReader(io.BytesIO(pdf)).attachments == {"xrechnung.xml": [xml]}
    assert "<fx:ConformanceLevel>XRECHNUNG</fx:ConformanceLevel>" in _xmp(pdf)


def test_the_same_document_renders_to_the_same_bytes() -> None:
    assert render_pdf(domestic_invoice(), _xml("domestic")) == _pdf("domestic")


def test_threads_render_the_same_bytes() -> None:
    names = ["domestic", "reverse_charge", "credit_note", "direct_debit"]
    with ThreadPoolExecutor(4) as pool:
        rendered = list(pool.map(lambda name: render_pdf(ALL[name](), _xml(name)), names))
    assert rendered == [_pdf(name) for name in names]


def test_a_negative_invoice_tells_the_customer_about_the_credit_balance() -> None:
    credit = replace(
        domestic_invoice(),
        lines=(replace(domestic_invoice().lines[0], net_amount=-38, amount=-38),),
        tax_groups=(TaxGroup("domestic", "DE", Decimal(7), -38, -3, -41),),
        net_total=-38,
        tax_total=-3,
        gross_total=-41,
        amount_due=0,
    )
    html = render_html(credit)
    assert "Der Betrag von 0,41\u00a0€ wird Ihrem Guthaben gutgeschrieben" in html
