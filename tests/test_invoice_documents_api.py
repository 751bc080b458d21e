"""Downloading issued documents: the PDF/A-3 with embedded XML and the e-invoice XML,
archived on first download and returned byte for byte afterwards."""

from __future__ import annotations

import io

import facturx
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import TEST_ACTOR, Merchant, assert_problem
from tests.test_contracts_api import catalog, signup
from turnus.services.documents.render import render_pending
from turnus.store.document_tables import documents


def _issued_invoice(merchant: Merchant) -> dict:  # type: ignore[type-arg]
    merchant.patch(
        "/v1/document_settings",
        json={"iban": "DE02120300000000202051", "bic": "BYLADEM1001", "phone": "+49 30 123"},
    )
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    assert merchant.post("/v1/billing_runs", json={}).json()["invoices"] == 1
    (invoice,) = merchant.get("/v1/invoices").json()["data"]
    return invoice


def test_pdf_is_archived_on_first_download(merchant: Merchant) -> None:
    invoice = _issued_invoice(merchant)
    first = merchant.get(f"/v1/invoices/{invoice['id']}/pdf")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["content-disposition"] == 'attachment; filename="RE-2026-000001.pdf"'
    assert first.content.startswith(b"%PDF")
    again = merchant.get(f"/v1/invoices/{invoice['id']}/pdf")
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    reader = PdfReader(io.BytesIO(first.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "RE-2026-000001" in text and "21,19" in text  # 19.80 net + 7 % = 21.19
    _, xml = facturx.get_xml_from_pdf(first.content, check_xsd=True)
    assert b"RE-2026-000001" in xml


def test_e_invoice_xml_downloads(merchant: Merchant) -> None:
    invoice = _issued_invoice(merchant)
    xml = merchant.get(f"/v1/invoices/{invoice['id']}/e_invoice")
    assert xml.status_code == 200, xml.text
    assert xml.headers["content-type"].startswith("application/xml")
    assert facturx.xml_check_xsd(xml.content, flavor="factur-x", level="en16931")
    missing = merchant.get(f"/v1/invoices/{invoice['id']}/e_invoice?format=xrechnung")
    assert_problem(missing, 422, "/format")
    assert_problem(merchant.get(f"/v1/invoices/{invoice['id']}/e_invoice?format=ubl"), 422)


def test_drafts_and_other_tenants_have_no_documents(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    merchant.patch("/v1/billing_settings", json={"draft_grace_days": 2})
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    merchant.post("/v1/billing_runs", json={})
    (draft,) = merchant.get("/v1/invoices").json()["data"]
    assert_problem(merchant.get(f"/v1/invoices/{draft['id']}/pdf"), 409)
    assert_problem(other_merchant.get(f"/v1/invoices/{draft['id']}/pdf"), 404)


def test_xrechnung_for_a_public_buyer_with_a_leitweg_id(merchant: Merchant) -> None:
    merchant.patch(
        "/v1/document_settings",
        json={"iban": "DE02120300000000202051", "bic": "BYLADEM1001", "phone": "+49 30 123"},
    )
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    merchant.post("/v1/billing_runs", json={})
    (first,) = merchant.get("/v1/invoices").json()["data"]
    no_email = merchant.get(f"/v1/invoices/{first['id']}/e_invoice?format=xrechnung")
    assert_problem(no_email, 422, "/format")  # the customer has no Leitweg-ID yet
    merchant.patch("/v1/tenant", json={"email": "billing@example.com"})
    bad = merchant.patch(f"/v1/customers/{ids['customer']}", json={"buyer_reference": "991-1"})
    assert_problem(bad, 422, "/buyer_reference")
    good = merchant.patch(
        f"/v1/customers/{ids['customer']}", json={"buyer_reference": "991-03730-19"}
    )
    assert good.status_code == 200 and good.json()["buyer_reference"] == "991-03730-19"
    merchant.post(
        "/v1/orders",
        json={"type": "signup", "customer_id": ids["customer"], "variant_id": ids["magazine"]},
    )
    merchant.post("/v1/billing_runs", json={})
    invoice = merchant.get("/v1/invoices").json()["data"][0]
    xml = merchant.get(f"/v1/invoices/{invoice['id']}/e_invoice?format=xrechnung")
    assert xml.status_code == 200, xml.text
    assert b"urn:xeinkauf.de:kosit:xrechnung_3.0" in xml.content
    assert b"991-03730-19" in xml.content
    assert facturx.xml_check_xsd(xml.content, flavor="factur-x", level="en16931")


def test_the_worker_renders_issued_pdfs_ahead_of_the_download(
    merchant: Merchant,
    engine,
    wall_clock,  # type: ignore[no-untyped-def]
) -> None:
    invoice = _issued_invoice(merchant)
    tenants = [merchant.tenant_id]
    assert render_pending(engine, TEST_ACTOR, wall_clock, tenant_ids=tenants) == 1
    assert render_pending(engine, TEST_ACTOR, wall_clock, tenant_ids=tenants) == 0
    with engine.connect() as connection:
        row = (
            connection.execute(
                select(documents).where(
                    documents.c.owner_id == invoice["id"], documents.c.kind == "pdf"
                )
            )
            .mappings()
            .one()
        )
    download = merchant.get(f"/v1/invoices/{invoice['id']}/pdf")
    assert download.headers["etag"] == f'"{row["sha256"]}"'


def test_credit_notes_and_cancellation_invoices_download_too(merchant: Merchant) -> None:
    invoice = _issued_invoice(merchant)
    note = merchant.post(
        f"/v1/invoices/{invoice['id']}/credit_notes", json={"reason": "Kulanz", "full": True}
    )
    assert note.status_code == 201, note.text
    note_id = note.json()["id"]
    pdf = merchant.get(f"/v1/invoices/{note_id}/pdf")
    assert pdf.status_code == 200, pdf.text
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Gutschrift" in text and "RE-2026-000001" in text
    xml = merchant.get(f"/v1/invoices/{note_id}/e_invoice").content
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    ids = catalog(merchant)
    signup(merchant, ids, "magazine")
    merchant.post("/v1/billing_runs", json={})
    second = next(
        i for i in merchant.get("/v1/invoices").json()["data"] if i["number"] == "RE-2026-000002"
    )
    voided = merchant.post(f"/v1/invoices/{second['id']}/void", json={"reason": "Falscher Tarif"})
    assert voided.status_code == 200, voided.text
    cancellation = voided.json()["cancellation"]["id"]
    storno = merchant.get(f"/v1/invoices/{cancellation}/pdf")
    assert storno.status_code == 200
    storno_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(storno.content)).pages)
    assert "Stornorechnung" in storno_text and "RE-2026-000002" in storno_text
