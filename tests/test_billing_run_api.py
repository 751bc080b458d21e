"""Billing runs through the API: orders are billed by the next run, runs are idempotent,
dry runs write nothing, and a customer's contracts share one invoice."""

from __future__ import annotations

from tests.conftest import Merchant, assert_problem, make_tenant
from tests.test_contracts_api import catalog, signup


def test_signup_is_billed_by_the_next_run_and_only_once(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")
    dry = merchant.post("/v1/billing_runs", json={"dry_run": True})
    assert dry.status_code == 200, dry.text
    preview = dry.json()
    assert preview["invoices"] == 1 and preview["run_id"] is None
    assert preview["documents"][0]["items"]
    first = merchant.post("/v1/billing_runs", json={})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["invoices"] == 1
    assert body["totals"] == preview["totals"]
    again = merchant.post("/v1/billing_runs", json={}).json()
    assert again["invoices"] == 0 and again["items"] == 0
    assert contract["contract"]["id"]
    # Coffee is a reduced-rate product for a German consumer: setup 4.90 + the first month
    # 14.90 (signed on the anchor day, Nov 25) = 19.80 net, 7 % on the sum = 1.386 -> 1.39.
    document = preview["documents"][0]
    assert sorted((i["kind"], i["amount"]) for i in document["items"]) == [
        ("fee", 1490),
        ("setup_fee", 490),
    ]
    assert (document["net_total"], document["tax_total"], document["gross_total"]) == (
        1980,
        139,
        2119,
    )
    assert {i["tax_rate"] for i in document["items"]} == {"7"}


def test_run_cannot_bill_the_future(merchant: Merchant) -> None:
    assert_problem(merchant.post("/v1/billing_runs", json={"until": "2099-01-01"}), 422, "/until")


def test_invoices_need_the_sellers_tax_number_or_vat_id(engine, wall_clock, client) -> None:  # type: ignore[no-untyped-def]
    tenant_id, secret = make_tenant(engine, wall_clock, tax_number=None)
    merchant = Merchant(tenant_id, secret, client)
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    body = assert_problem(merchant.post("/v1/billing_runs", json={}), 409)
    assert "§ 14 UStG" in body["detail"]
    assert merchant.get("/v1/invoices").json()["data"] == []  # nothing half-written
    assert merchant.post("/v1/billing_runs", json={"dry_run": True}).status_code == 200
    merchant.patch("/v1/tenant", json={"tax_number": "2181508150"})
    assert merchant.post("/v1/billing_runs", json={}).json()["invoices"] == 1


def test_a_customers_contracts_share_one_invoice(merchant: Merchant) -> None:
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    signup(merchant, ids, "magazine")
    run = merchant.post("/v1/billing_runs", json={}).json()
    assert run["invoices"] == 1 and run["items"] == 3  # setup fee, flex month, magazine year
    (invoice,) = merchant.get("/v1/invoices").json()["data"]
    detail = merchant.get(f"/v1/invoices/{invoice['id']}").json()
    assert len({i["contract_id"] for i in detail["items"]}) == 2
    # 4.90 + 14.90 + 89.00 = 108.80 net at 7 %: 7.616 -> 7.62
    assert detail["totals"] == {"net": 10880, "tax": 762, "gross": 11642}


def _cancel_immediately_after_ten_days(merchant: Merchant) -> dict:  # type: ignore[type-arg]
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    assert merchant.post("/v1/billing_runs", json={}).json()["invoices"] == 1
    merchant.post("/v1/clock/advance", json={"to": "2026-12-05T10:00:00+01:00"})
    order = {"type": "cancel", "contract_id": contract["id"], "kind": "immediate"}
    cancelled = merchant.post("/v1/orders", json=order)
    assert cancelled.status_code == 201, cancelled.text
    # 355 of 365 days unused: 0.972602740 x 89.00 = 86.56 credited
    assert [(c["kind"], c["amount"]) for c in cancelled.json()["charges"]] == [("fee", -8656)]
    return contract


def test_a_credit_larger_than_the_invoice_becomes_credit_balance(merchant: Merchant) -> None:
    contract = _cancel_immediately_after_ten_days(merchant)
    run = merchant.post("/v1/billing_runs", json={}).json()
    assert run["invoices"] == 1 and run["totals"] == {"EUR": -9262}  # 86.56 + 7 % = 92.62
    credit = merchant.get("/v1/invoices", params={"contract_id": contract["id"]}).json()["data"][0]
    assert credit["document_type"] == "invoice" and credit["amount_due"] == 0
    balance = merchant.get(f"/v1/customers/{contract['customer_id']}/credit_balance").json()
    assert balance["balances"] == [{"currency": "EUR", "amount": 9262}]


def test_a_credit_larger_than_the_invoice_as_a_credit_note(merchant: Merchant) -> None:
    merchant.patch("/v1/billing_settings", json={"negative_invoices": "credit_note"})
    contract = _cancel_immediately_after_ten_days(merchant)
    merchant.post("/v1/billing_runs", json={})
    documents = merchant.get("/v1/invoices", params={"contract_id": contract["id"]}).json()
    note = next(d for d in documents["data"] if d["document_type"] == "credit_note")
    assert note["number"] == "GS-2026-000001" and note["totals"]["gross"] == -9262


def test_a_second_run_of_the_day_adds_to_the_open_draft(merchant: Merchant) -> None:
    merchant.patch("/v1/billing_settings", json={"draft_grace_days": 2})
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    assert merchant.post("/v1/billing_runs", json={}).json()["invoices"] == 1
    signup(merchant, ids, "magazine")
    second = merchant.post("/v1/billing_runs", json={}).json()
    assert second["invoices"] == 0 and second["items"] == 1
    (draft,) = merchant.get("/v1/invoices").json()["data"]
    detail = merchant.get(f"/v1/invoices/{draft['id']}").json()
    assert detail["state"] == "draft" and [i["position"] for i in detail["items"]] == [1, 2, 3]
    assert detail["totals"] == {"net": 10880, "tax": 762, "gross": 11642}


def test_runs_are_recorded(merchant: Merchant) -> None:
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    merchant.post("/v1/billing_runs", json={"dry_run": True})
    run = merchant.post("/v1/billing_runs", json={}).json()
    listed = merchant.get("/v1/billing_runs").json()["data"]
    assert [r["id"] for r in listed] == [run["run_id"]]  # dry runs write nothing
    assert listed[0]["state"] == "finished"
    assert listed[0]["stats"] == {
        "contracts": 1,
        "invoices": 1,
        "items": 2,
        "totals": {"EUR": 2119},
    }
