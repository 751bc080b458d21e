"""The demo merchant that `make run` seeds: the catalog examples and a contract per state."""

import re

from sqlalchemy import select

from tests.test_pdf import _xmp
from turnus.domain.billing.ledger import Booking, balance
from turnus.services.demo import seed_demo
from turnus.services.uow import UnitOfWork
from turnus.store.billing_tables import invoice_items, invoices, ledger_entries
from turnus.store.integrity import dangling_references


def test_demo_merchant_shows_every_contract_state(engine, wall_clock, client, tmp_path) -> None:
    with UnitOfWork(engine) as uow:
        demo = seed_demo(uow, wall_clock, tmp_path / "key")
    headers = {"Authorization": f"Bearer {demo.api_key}"}
    contracts = client.get("/v1/contracts?limit=100", headers=headers).json()["data"]
    assert {c["state"] for c in contracts} == {
        "active",
        "trial",
        "paused",
        "in_notice",
        "future",
        "ended",
    }
    catalog = client.get("/v1/catalog?currency=EUR", headers=headers).json()["data"]
    coffee = next(o for o in catalog if o["plan"]["name_de"] == "Kaffee-Abo Classic")
    assert sorted(v["prices"][0]["amount"] for v in coffee["variants"]) == [
        "11.90",
        "14.90",
        "9.90",
    ]
    names = {o["plan"]["name_de"] for o in catalog}
    assert {"Kaffee-Abo Classic", "Magazin Jahresabo", "Team"} <= names
    customers = client.get("/v1/customers", headers=headers).json()["data"]
    assert len(customers) == 9


def test_demo_merchant_has_a_year_of_invoices_from_the_engine(engine, wall_clock, tmp_path) -> None:
    with UnitOfWork(engine) as uow:
        demo = seed_demo(uow, wall_clock, tmp_path / "key")
    with engine.connect() as connection:
        documents = [
            dict(row)
            for row in connection.execute(
                select(invoices).where(invoices.c.tenant_id == demo.tenant_id)
            ).mappings()
        ]
        items = [
            dict(row)
            for row in connection.execute(
                select(invoice_items).where(invoice_items.c.tenant_id == demo.tenant_id)
            ).mappings()
        ]
        bookings = [
            Booking(r.debit_account, r.credit_account, r.amount)
            for r in connection.execute(
                select(ledger_entries).where(ledger_entries.c.tenant_id == demo.tenant_id)
            )
        ]
    months = {d["billing_date"].strftime("%Y-%m") for d in documents}
    assert len(months) >= 12  # every month of the year was billed
    numbers = sorted(d["number"] for d in documents if d["document_type"] == "invoice")
    assert numbers[0].startswith("RE-") and all(d["state"] != "draft" for d in documents)
    by_year: dict[str, list[int]] = {}
    for number in numbers:
        _, year, seq = number.split("-")
        by_year.setdefault(year, []).append(int(seq))
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in by_year.values())  # gapless
    kinds = {i["kind"] for i in items}
    assert {"fee", "component", "usage"} <= kinds
    assert any(i["amount"] < 0 and i["kind"] == "fee" for i in items)  # cancellation credit
    assert any(i["tax_treatment"] == "reverse_charge" for i in items)
    # the ledger's revenue and VAT are the issued documents' net and tax, to the cent
    accounts = {b.debit for b in bookings} | {b.credit for b in bookings}
    issued = [d for d in documents if d["state"] != "draft"]
    assert bookings and all(b.amount > 0 for b in bookings)
    for prefix, total in (("revenue:", "net_total"), ("vat:", "tax_total")):
        booked = sum(balance(bookings, a) for a in accounts if a.startswith(prefix))
        assert -booked == sum(d[total] for d in issued) != 0
    with engine.connect() as connection:
        assert dangling_references(connection) == []


def test_demo_invoices_download_as_pdf_a3_with_valid_e_invoices(
    engine, wall_clock, client, tmp_path
) -> None:
    import facturx

    with UnitOfWork(engine) as uow:
        demo = seed_demo(uow, wall_clock, tmp_path / "key")
    headers = {"Authorization": f"Bearer {demo.api_key}"}
    listed = client.get("/v1/invoices?limit=100", headers=headers).json()["data"]
    kinds = {}
    for invoice in listed:  # one of every kind and tax situation: rendering takes a while
        detail = client.get(f"/v1/invoices/{invoice['id']}", headers=headers).json()
        key = (
            detail["document_type"],
            tuple(sorted({i["tax_treatment"] for i in detail["items"]})),
        )
        kinds.setdefault(key, invoice["id"])
    assert len(kinds) >= 2
    for invoice_id in kinds.values():
        pdf = client.get(f"/v1/invoices/{invoice_id}/pdf", headers=headers)
        assert pdf.status_code == 200, pdf.text
        xmp = _xmp(pdf.content)
        assert re.search(r'pdfaid:part="3"|<pdfaid:part>3</pdfaid:part>', xmp)
        _, xml = facturx.get_xml_from_pdf(pdf.content, check_xsd=True)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
