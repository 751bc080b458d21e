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
