"""Invoices through the API: search, editing and finalizing drafts, gapless numbers, credit
notes (partial per line, refused over-crediting, full), voiding with a cancellation document
and a corrected draft, payment states, immutability, tenant isolation, and a balanced ledger.

Amounts are minor units. The catalog of ``tests.test_contracts_api`` prices coffee at the
reduced rate (7 %): the flex plan is 14.90 a month plus a 4.90 setup fee, a surprise box 6.90,
the magazine 89.00 a year; the merchant and the customer are in Germany, prices are net."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from tests.conftest import START, TEST_ACTOR, Merchant, assert_problem
from tests.test_contracts_api import ADDRESS, catalog, post, signup
from turnus.domain.billing.ledger import Booking
from turnus.domain.billing.ledger import balance as ledger_balance
from turnus.domain.clock import TenantClock, TenantMode
from turnus.services.billing import invoices as invoice_service
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock
from turnus.store.billing_tables import ledger_entries
from turnus.store.integrity import dangling_references

TODAY = "2026-11-25"


# -- helpers ---------------------------------------------------------------------------------


def new_customer(merchant: Merchant, first_name: str) -> str:
    body = {
        "kind": "person",
        "first_name": first_name,
        "last_name": "Beispiel",
        "email": f"{first_name.lower()}@example.com",
        "billing_address": ADDRESS,
        "tax_status": "consumer",
    }
    return str(post(merchant, "/v1/customers", body)["id"])


def run_billing(merchant: Merchant) -> dict[str, Any]:
    return post(merchant, "/v1/billing_runs", {}, status=200)


def grace_days(merchant: Merchant, days: int) -> None:
    response = merchant.patch("/v1/billing_settings", json={"draft_grace_days": days})
    assert response.status_code == 200, response.text


def listed(merchant: Merchant, query: str = "") -> list[dict[str, Any]]:
    response = merchant.get(f"/v1/invoices?limit=100&{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def only(merchant: Merchant, query: str) -> dict[str, Any]:
    [invoice] = listed(merchant, query)
    return invoice


def get(merchant: Merchant, invoice_id: str) -> dict[str, Any]:
    response = merchant.get(f"/v1/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def act(merchant: Merchant, invoice_id: str, action: str, body: dict | None = None, status=200):  # type: ignore[no-untyped-def]
    response = merchant.post(f"/v1/invoices/{invoice_id}/{action}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def totals(invoice: dict[str, Any]) -> tuple[int, int, int]:
    t = invoice["totals"]
    return t["net"], t["tax"], t["gross"]


def item_of(invoice: dict[str, Any], kind: str) -> dict[str, Any]:
    [item] = [i for i in invoice["items"] if i["kind"] == kind]
    return item


def ledger(engine: Engine, tenant_id: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        statement = select(ledger_entries).where(ledger_entries.c.tenant_id == tenant_id)
        return [dict(r) for r in connection.execute(statement).mappings()]


def assert_ledger_balanced(engine: Engine, tenant_id: str) -> list[dict[str, Any]]:
    """Every row is a booking of a positive amount from one account to another, so every
    transaction and every document balances by construction; each transaction is about one
    document."""
    rows = ledger(engine, tenant_id)
    assert rows
    for row in rows:
        assert row["amount"] > 0 and row["debit_account"] != row["credit_account"], row
    documents: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        documents[row["transaction_id"]].add(row["document_id"])
    assert all(len(ids) == 1 for ids in documents.values()), documents
    return rows


def balance_of(
    rows: list[dict[str, Any]], account: str, document_ids: set[str] | None = None
) -> int:
    """Debits less credits of an account (over some documents)."""
    return ledger_balance(
        (
            Booking(r["debit_account"], r["credit_account"], r["amount"])
            for r in rows
            if document_ids is None or r["document_id"] in document_ids
        ),
        account,
    )


def _accounts(row: dict[str, Any]) -> set[str]:
    return {row["debit_account"], row["credit_account"]}


def credit_balance(merchant: Merchant, customer_id: str) -> dict[str, int]:
    response = merchant.get(f"/v1/customers/{customer_id}/credit_balance")
    assert response.status_code == 200, response.text
    return {b["currency"]: b["amount"] for b in response.json()["balances"]}


# -- search and retrieval ----------------------------------------------------------------------


def test_billed_invoices_are_listed_searched_and_retrieved(merchant: Merchant) -> None:
    ids = catalog(merchant)
    flex = signup(merchant, ids, "flex", components=[{"component_id": ids["box"], "quantity": "2"}])
    other = new_customer(merchant, "Otto")
    magazine = signup(merchant, {**ids, "customer": other}, "magazine")
    assert run_billing(merchant)["invoices"] == 2

    everything = listed(merchant)
    assert [i["number"] for i in everything] == ["RE-2026-000002", "RE-2026-000001"]  # newest first
    first = only(merchant, f"customer_id={ids['customer']}")
    assert first["number"] == "RE-2026-000001"
    second = only(merchant, f"contract_id={magazine['contract']['id']}")
    assert second["number"] == "RE-2026-000002" and second["customer_id"] == other
    assert only(merchant, f"contract_id={flex['contract']['id']}")["id"] == first["id"]
    assert only(merchant, "number=RE-2026-000002")["id"] == second["id"]
    assert listed(merchant, "number=RE-2026-000003") == []
    assert len(listed(merchant, "state=open")) == 2
    assert listed(merchant, "state=draft") == []
    assert len(listed(merchant, "document_type=invoice")) == 2
    assert listed(merchant, "document_type=credit_note") == []
    assert len(listed(merchant, f"issued_from={TODAY}&issued_to={TODAY}")) == 2
    assert listed(merchant, "issued_from=2026-11-26") == []
    assert listed(merchant, "issued_to=2026-11-24") == []
    assert len(listed(merchant, f"billing_date={TODAY}")) == 2
    page = merchant.get("/v1/invoices?limit=1").json()
    assert [i["id"] for i in page["data"]] == [second["id"]] and page["has_more"] is True
    rest = merchant.get(f"/v1/invoices?limit=1&starting_after={second['id']}").json()
    assert [i["id"] for i in rest["data"]] == [first["id"]] and rest["has_more"] is False
    assert_problem(merchant.get("/v1/invoices?state=sent"), 422, "/state")
    assert_problem(merchant.get("/v1/invoices?issued_from=yesterday"), 422, "/issued_from")

    invoice = get(merchant, first["id"])
    assert invoice["document_type"] == "invoice" and invoice["state"] == "open"
    assert invoice["issue_date"] == TODAY and invoice["due_date"] == "2026-12-09"
    assert [(i["position"], i["kind"], i["quantity"], i["amount"]) for i in invoice["items"]] == [
        (1, "component", "2", 1380),
        (2, "fee", "1", 1490),
        (3, "setup_fee", "1", 490),
    ]
    assert {(i["tax_rate"], i["tax_treatment"], i["contract_id"]) for i in invoice["items"]} == {
        ("7", "domestic", flex["contract"]["id"])
    }
    fee = item_of(invoice, "fee")
    assert (fee["service_from"], fee["service_until"]) == (TODAY, "2026-12-25")
    # 33.60 net at 7 %: tax 2.352 rounds to 2.35
    assert totals(invoice) == (3360, 235, 3595)
    assert invoice["tax_breakdown"] == [
        {
            "treatment": "domestic",
            "country": "DE",
            "rate": "7",
            "net": 3360,
            "tax": 235,
            "gross": 3595,
        }
    ]
    assert invoice["amount_due"] == 3595 and invoice["credit_applied"] == 0
    assert invoice["notes"] == []
    assert invoice["seller"]["name"] == "Testhaus GmbH"
    assert invoice["buyer"]["name"] == "Erika Mustermann"
    assert_problem(merchant.get("/v1/invoices/inv_00000000000000000000000000"), 404)


# -- drafts ------------------------------------------------------------------------------------


def test_a_draft_is_edited_discounted_and_finalized(merchant: Merchant, engine: Engine) -> None:
    grace_days(merchant, 2)
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    run_billing(merchant)
    draft = only(merchant, "")
    assert draft["state"] == "draft" and draft["number"] is None
    assert draft["finalize_on"] == "2026-11-27" and draft["issue_date"] is None
    assert draft["seller"] is None and draft["buyer"] is None
    assert totals(draft) == (1980, 139, 2119)  # 19.80 at 7 %: 1.386 -> 1.39
    path = f"/v1/invoices/{draft['id']}"

    line = {
        "description": "Kaffeemühle",
        "quantity": "2",
        "unit_amount": 2499,
        "tax_category": "standard",
        "product_kind": "physical",
    }
    refused = [
        ({**line, "amount": 4998}, "/amount"),
        ({k: v for k, v in line.items() if k != "unit_amount"}, "/amount"),
        ({**line, "quantity": "0"}, "/quantity"),
        ({**line, "tax_category": "luxury"}, "/tax_category"),
        ({**line, "product_kind": "software"}, "/product_kind"),
        ({**line, "service_from": "2026-12-01", "service_until": "2026-11-01"}, "/service_until"),
        ({**line, "service_until": "2026-12-01"}, "/service_from"),
        ({**line, "unit_amount": 12.5}, "/unit_amount"),
        ({**line, "description": ""}, "/description"),
        ({**line, "colour": "red"}, "/colour"),
    ]
    for body, pointer in refused:
        assert_problem(merchant.post(f"{path}/lines", json=body), 422, pointer)
    for body, pointer in [
        ({"percent": "150"}, "/percent"),
        ({"percent": "0"}, "/percent"),
        ({"percent": "10", "amount": 100}, "/percent"),
        ({}, "/percent"),
        ({"amount": 0}, "/amount"),
        ({"amount": 1981}, "/amount"),  # more than the draft's 19.80
    ]:
        assert_problem(merchant.post(f"{path}/discounts", json=body), 422, pointer)
    assert get(merchant, draft["id"])["items"] == draft["items"]  # nothing was written

    edited = act(merchant, draft["id"], "lines", line)
    mill = edited["items"][-1]
    assert (mill["position"], mill["kind"], mill["contract_id"]) == (3, "manual", None)
    assert (mill["amount"], mill["quantity"], mill["tax_rate"]) == (4998, "2", "19")
    # 49.98 at 19 % (9.4962 -> 9.50) plus 19.80 at 7 %
    assert totals(edited) == (6978, 1089, 8067)

    discounted = act(merchant, draft["id"], "discounts", {"percent": "10"})
    # 10 % of 69.78 is 6.978 -> 6.98, split by the groups' shares: 1.98 at 7 %, 5.00 at 19 %
    discounts = [i for i in discounted["items"] if i["kind"] == "discount"]
    assert [(i["position"], i["description"], i["amount"], i["tax_rate"]) for i in discounts] == [
        (4, "Rabatt 10 % (7 %)", -198, "7"),
        (5, "Rabatt 10 % (19 %)", -500, "19"),
    ]
    assert discounted["tax_breakdown"] == [
        {
            "treatment": "domestic",
            "country": "DE",
            "rate": "19",
            "net": 4498,
            "tax": 855,
            "gross": 5353,
        },
        {
            "treatment": "domestic",
            "country": "DE",
            "rate": "7",
            "net": 1782,
            "tax": 125,
            "gross": 1907,
        },
    ]
    assert totals(discounted) == (6280, 980, 7260)
    assert discounted["state"] == "draft" and discounted["number"] is None

    final = act(merchant, draft["id"], "finalize")
    assert final["state"] == "open" and final["number"] == "RE-2026-000001"
    assert final["issue_date"] == TODAY and final["due_date"] == "2026-12-09"
    assert totals(final) == (6280, 980, 7260) and final["amount_due"] == 7260
    assert final["seller"]["country"] == "DE" and final["buyer"]["name"] == "Erika Mustermann"
    assert final["items"] == discounted["items"]

    # finalized documents are immutable
    body = assert_problem(merchant.post(f"{path}/lines", json=line), 409)
    assert "open" in body["detail"]
    assert_problem(merchant.post(f"{path}/discounts", json={"percent": "5"}), 409)
    assert_problem(merchant.post(f"{path}/finalize"), 409)
    assert_problem(merchant.client.delete(path, headers=merchant.headers), 409)
    assert get(merchant, draft["id"]) == final

    events = merchant.get(f"/v1/audit_events?object_type=invoice&object_id={draft['id']}").json()
    assert {"line_added", "discount_added", "finalized"} <= {e["action"] for e in events["data"]}
    rows = assert_ledger_balanced(engine, merchant.tenant_id)
    assert balance_of(rows, "receivables") == 7260
    assert balance_of(rows, "revenue:domestic:DE:19") == -4498
    assert balance_of(rows, "vat:DE:7") == -125


def test_a_fixed_discount_puts_the_rounding_remainder_on_the_largest_group(
    merchant: Merchant,
) -> None:
    grace_days(merchant, 2)
    ids = catalog(merchant)
    signup(merchant, ids, "flex")  # 19.80 at 7 %
    run_billing(merchant)
    draft = only(merchant, "")
    act(merchant, draft["id"], "lines", {"description": "Service", "amount": 1000})  # 19 %
    result = act(merchant, draft["id"], "discounts", {"amount": 100, "description": "Treuerabatt"})
    # 1.00 over 19.80 and 10.00: 0.6644 -> 0.66 and 0.3356 -> 0.34
    discounts = [
        (i["description"], i["amount"]) for i in result["items"] if i["kind"] == "discount"
    ]
    assert discounts == [("Treuerabatt (7 %)", -66), ("Treuerabatt (19 %)", -34)]
    # 19.14 at 7 % (1.3398 -> 1.34) and 9.66 at 19 % (1.8354 -> 1.84)
    assert totals(result) == (2880, 318, 3198)


def test_numbers_are_gapless_in_the_order_of_finalization(merchant: Merchant) -> None:
    grace_days(merchant, 2)
    ids = catalog(merchant)
    customers = [ids["customer"], new_customer(merchant, "Otto"), new_customer(merchant, "Ida")]
    for customer in customers:
        signup(merchant, {**ids, "customer": customer}, "flex")
    run_billing(merchant)
    drafts = {c: only(merchant, f"customer_id={c}") for c in customers}
    assert all(d["state"] == "draft" and d["number"] is None for d in drafts.values())

    order = [customers[2], customers[0], customers[1]]
    numbers = [act(merchant, drafts[c]["id"], "finalize")["number"] for c in order]
    assert numbers == ["RE-2026-000001", "RE-2026-000002", "RE-2026-000003"]
    assert_problem(merchant.post(f"/v1/invoices/{drafts[order[0]]['id']}/finalize"), 409)
    note = act(
        merchant, drafts[order[0]]["id"], "credit_notes", {"reason": "Kulanz", "full": True}, 201
    )
    assert note["number"] == "GS-2026-000001"
    # credit notes and cancellations have their own series; refusals take no number
    result = act(merchant, drafts[order[1]]["id"], "void", {"reason": "Doppelt berechnet"})
    assert result["cancellation"]["number"] == "ST-2026-000001"
    signup(merchant, {**ids, "customer": customers[1]}, "magazine")
    run_billing(merchant)
    fourth = only(merchant, "state=draft")
    assert act(merchant, fourth["id"], "finalize")["number"] == "RE-2026-000004"
    invoice_numbers = sorted(i["number"] for i in listed(merchant, "document_type=invoice"))
    assert invoice_numbers == [f"RE-2026-{n:06d}" for n in range(1, 5)]


def test_due_drafts_are_finalized_by_the_scheduled_job(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    grace_days(merchant, 2)
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    signup(merchant, {**ids, "customer": new_customer(merchant, "Otto")}, "magazine")
    run_billing(merchant)
    drafts = listed(merchant, "state=draft")
    assert {d["finalize_on"] for d in drafts} == {"2026-11-27"}

    def finalize_due(days: int) -> list[str]:
        with UnitOfWork(engine) as uow:
            ctx = TenantContext(
                uow=uow, tenant_id=merchant.tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock
            )
            ctx.use_clock(
                TenantClock(TenantMode.SANDBOX, ctx.clock.timezone, START + timedelta(days=days))
            )
            return invoice_service.finalize_due(ctx)

    assert finalize_due(1) == []
    assert finalize_due(2) == sorted(d["id"] for d in drafts)
    finalized = {i["id"]: i for i in listed(merchant)}
    assert [finalized[i]["number"] for i in sorted(finalized)] == [
        "RE-2026-000001",
        "RE-2026-000002",
    ]
    assert {i["issue_date"] for i in finalized.values()} == {"2026-11-27"}
    assert {i["state"] for i in finalized.values()} == {"open"}
    assert finalize_due(3) == []
    assert_ledger_balanced(engine, merchant.tenant_id)


def test_deleting_a_draft_bills_its_lines_again(merchant: Merchant, engine: Engine) -> None:
    grace_days(merchant, 2)
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")["contract"]
    run_billing(merchant)
    draft = only(merchant, "")
    path = f"/v1/invoices/{draft['id']}"
    response = merchant.client.delete(path, headers=merchant.headers)
    assert response.status_code == 204, response.text
    assert_problem(merchant.get(path), 404)
    assert_problem(merchant.client.delete(path, headers=merchant.headers), 404)
    assert listed(merchant) == []
    deleted = merchant.get("/v1/audit_events?object_type=invoice&action=deleted").json()
    assert [e["object_id"] for e in deleted["data"]] == [draft["id"]]
    with engine.connect() as connection:  # its items went with it
        assert dangling_references(connection) == []

    assert run_billing(merchant)["invoices"] == 1
    again = only(merchant, "")
    assert again["id"] != draft["id"]
    assert [(i["kind"], i["amount"], i["contract_id"]) for i in again["items"]] == [
        ("fee", 1490, contract["id"]),
        ("setup_fee", 490, contract["id"]),
    ]
    assert totals(again) == totals(draft)
    assert run_billing(merchant)["invoices"] == 0  # billed once, not twice


# -- corrections -------------------------------------------------------------------------------


def test_credit_notes_per_line_and_in_full(merchant: Merchant, engine: Engine) -> None:
    ids = catalog(merchant)
    contract = signup(
        merchant, ids, "flex", components=[{"component_id": ids["box"], "quantity": "2"}]
    )["contract"]
    run_billing(merchant)
    invoice = only(merchant, "")
    assert invoice["state"] == "open" and totals(invoice) == (3360, 235, 3595)
    box, fee, setup = (item_of(invoice, k)["id"] for k in ("component", "fee", "setup_fee"))
    path = f"/v1/invoices/{invoice['id']}/credit_notes"

    refused = [
        ({"lines": [{"item_id": box, "amount": 690}]}, "/reason"),
        ({"reason": "  ", "lines": [{"item_id": box, "amount": 690}]}, "/reason"),
        ({"reason": "Kulanz"}, "/lines"),
        ({"reason": "Kulanz", "full": True, "lines": [{"item_id": box, "amount": 1}]}, "/lines"),
        ({"reason": "Kulanz", "lines": [{"item_id": "ili_nope", "amount": 1}]}, "/lines/0/item_id"),
        ({"reason": "Kulanz", "lines": [{"item_id": box, "amount": 0}]}, "/lines/0/amount"),
        ({"reason": "Kulanz", "lines": [{"item_id": box, "amount": 1381}]}, "/lines/0/amount"),
        (
            {
                "reason": "Kulanz",
                "lines": [{"item_id": box, "amount": 690}, {"item_id": box, "amount": 691}],
            },
            "/lines/1/amount",
        ),
        ({"reason": "Kulanz", "lines": [{"item_id": box, "amount": "690"}]}, "/lines/0/amount"),
    ]
    for body, pointer in refused:
        assert_problem(merchant.post(path, json=body), 422, pointer)
    assert listed(merchant, "document_type=credit_note") == []
    assert get(merchant, invoice["id"])["amount_due"] == 3595

    partial = act(
        merchant,
        invoice["id"],
        "credit_notes",
        {
            "reason": "Eine Box fehlte",
            "lines": [{"item_id": box, "amount": 690}, {"item_id": setup, "amount": 490}],
        },
        201,
    )
    assert partial["document_type"] == "credit_note" and partial["number"] == "GS-2026-000001"
    assert partial["corrects_id"] == invoice["id"] and partial["reason"] == "Eine Box fehlte"
    assert partial["state"] == "paid" and partial["amount_due"] == 0
    assert partial["issue_date"] == TODAY
    assert [
        (i["description"], i["quantity"], i["amount"], i["tax_rate"], i["contract_id"])
        for i in partial["items"]
    ] == [
        ("Überraschungsbox", "1", -690, "7", None),
        ("Einrichtungsgebühr Kaffee-Abo", "1", -490, "7", None),
    ]
    assert [i["corrects_item_id"] for i in partial["items"]] == [box, setup]
    assert totals(partial) == (-1180, -83, -1263)  # -0.826 rounds away from zero

    original = get(merchant, invoice["id"])
    assert original["state"] == "open" and original["amount_due"] == 3595 - 1263
    voiding = merchant.post(f"/v1/invoices/{invoice['id']}/void", json={"reason": "x"})
    assert "credit notes" in assert_problem(voiding, 409)["detail"]
    assert {i["id"]: i["credited"] for i in original["items"]} == {box: 690, fee: 0, setup: 490}
    assert_problem(
        merchant.post(path, json={"reason": "x", "lines": [{"item_id": setup, "amount": 1}]}),
        422,
        "/lines/0/amount",
    )
    body = assert_problem(
        merchant.post(path, json={"reason": "x", "lines": [{"item_id": box, "amount": 691}]}),
        422,
        "/lines/0/amount",
    )
    assert "690" in body["detail"]

    full = act(merchant, invoice["id"], "credit_notes", {"reason": "Widerruf", "full": True}, 201)
    assert full["number"] == "GS-2026-000002"
    assert [(i["corrects_item_id"], i["amount"]) for i in full["items"]] == [
        (box, -690),
        (fee, -1490),
    ]
    # the rest of the original's tax (2.35 - 0.83), not 7 % of 21.80 (1.526 -> 1.53)
    assert totals(full) == (-2180, -152, -2332)
    assert totals(invoice)[2] + totals(partial)[2] + totals(full)[2] == 0
    original = get(merchant, invoice["id"])
    assert original["amount_due"] == 0 and original["state"] == "paid"
    assert {i["id"]: i["credited"] for i in original["items"]} == {box: 1380, fee: 1490, setup: 490}
    assert_problem(merchant.post(path, json={"reason": "again", "full": True}), 409)
    assert credit_balance(merchant, ids["customer"]) == {}

    by_contract = listed(merchant, f"contract_id={contract['id']}")
    assert {i["number"] for i in by_contract} == {
        "RE-2026-000001",
        "GS-2026-000001",
        "GS-2026-000002",
    }
    assert len(listed(merchant, f"document_type=credit_note&customer_id={ids['customer']}")) == 2
    rows = assert_ledger_balanced(engine, merchant.tenant_id)
    assert balance_of(rows, "receivables") == 0
    assert balance_of(rows, "vat:DE:7") == 0
    assert balance_of(rows, "revenue:domestic:DE:7") == 0


def test_gross_prices_credit_the_gross_and_the_last_note_takes_the_remaining_tax(
    merchant: Merchant, engine: Engine
) -> None:
    response = merchant.patch("/v1/billing_settings", json={"prices_include_tax": True})
    assert response.status_code == 200, response.text
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    run_billing(merchant)
    invoice = only(merchant, "")
    assert invoice["prices_include_tax"] is True
    assert totals(invoice) == (1850, 130, 1980)  # 19.80 gross holds 1.2953 -> 1.30 VAT
    setup = item_of(invoice, "setup_fee")["id"]
    partial = act(
        merchant,
        invoice["id"],
        "credit_notes",
        {"reason": "Einrichtung entfiel", "lines": [{"item_id": setup, "amount": 490}]},
        201,
    )
    assert partial["prices_include_tax"] is True
    assert totals(partial) == (-458, -32, -490)
    full = act(merchant, invoice["id"], "credit_notes", {"reason": "Widerruf", "full": True}, 201)
    assert totals(full) == (-1392, -98, -1490)  # not 0.9748 -> 0.97: the rest of 1.30
    assert get(merchant, invoice["id"])["state"] == "paid"
    rows = assert_ledger_balanced(engine, merchant.tenant_id)
    assert balance_of(rows, "vat:DE:7") == 0 and balance_of(rows, "receivables") == 0


def test_a_credit_note_is_idempotent(merchant: Merchant) -> None:
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    run_billing(merchant)
    invoice = only(merchant, "")
    request = {"reason": "Kulanz", "lines": [{"item_id": invoice["items"][0]["id"], "amount": 100}]}
    headers = {"Idempotency-Key": "credit-1"}
    first = merchant.post(
        f"/v1/invoices/{invoice['id']}/credit_notes", json=request, headers=headers
    )
    again = merchant.post(
        f"/v1/invoices/{invoice['id']}/credit_notes", json=request, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == again.json()["id"]
    assert len(listed(merchant, "document_type=credit_note")) == 1


def test_credit_on_a_paid_invoice_void_and_reissue(merchant: Merchant, engine: Engine) -> None:
    ids = catalog(merchant)
    customer = ids["customer"]
    signup(merchant, ids, "flex")
    run_billing(merchant)
    first = only(merchant, "")
    assert act(merchant, first["id"], "mark_paid")["state"] == "paid"

    # a paid invoice's credit becomes the customer's credit balance
    setup = item_of(first, "setup_fee")["id"]
    note = act(
        merchant,
        first["id"],
        "credit_notes",
        {"reason": "Einrichtung entfiel", "lines": [{"item_id": setup, "amount": 490}]},
        201,
    )
    assert totals(note) == (-490, -34, -524)
    assert get(merchant, first["id"])["state"] == "paid"
    assert credit_balance(merchant, customer) == {"EUR": 524}

    # the next invoice uses it up
    grace_days(merchant, 2)
    signup(merchant, ids, "magazine")
    run_billing(merchant)
    draft = only(merchant, "state=draft")
    second = act(merchant, draft["id"], "finalize")
    assert second["number"] == "RE-2026-000002" and totals(second) == (8900, 623, 9523)
    assert second["credit_applied"] == 524 and second["amount_due"] == 8999
    assert credit_balance(merchant, customer) == {"EUR": 0}

    # voiding needs a reason, and only open invoices can be voided
    void_path = f"/v1/invoices/{second['id']}/void"
    assert_problem(merchant.post(void_path, json={"reissue": True}), 422, "/reason")
    assert_problem(merchant.post(void_path, json={"reason": ""}), 422, "/reason")
    body = assert_problem(
        merchant.post(f"/v1/invoices/{first['id']}/void", json={"reason": "x"}), 409
    )
    assert "paid" in body["detail"]
    assert_problem(merchant.post(f"/v1/invoices/{note['id']}/void", json={"reason": "x"}), 409)

    result = act(merchant, second["id"], "void", {"reason": "Falscher Tarif", "reissue": True})
    voided, cancellation, reissue = result["invoice"], result["cancellation"], result["reissue"]
    assert voided["state"] == "void" and voided["voided_at"] is not None
    assert voided["amount_due"] == 0 and voided["number"] == "RE-2026-000002"
    assert cancellation["document_type"] == "cancellation"
    assert cancellation["number"] == "ST-2026-000001" and cancellation["state"] == "paid"
    assert cancellation["corrects_id"] == second["id"]
    assert cancellation["reason"] == "Falscher Tarif"
    assert totals(cancellation) == (-8900, -623, -9523)
    assert [
        (i["amount"], i["corrects_item_id"], i["contract_id"]) for i in cancellation["items"]
    ] == [(-8900, second["items"][0]["id"], None)]
    assert credit_balance(merchant, customer) == {"EUR": 524}  # the applied credit came back

    assert reissue["state"] == "draft" and reissue["number"] is None
    assert reissue["corrects_id"] == second["id"] and reissue["finalize_on"] is None
    assert [(i["kind"], i["amount"], i["contract_id"]) for i in reissue["items"]] == [
        ("fee", 8900, None)
    ]
    assert totals(reissue) == (8900, 623, 9523)
    assert get(merchant, second["id"]) == voided

    body = assert_problem(merchant.post(void_path, json={"reason": "again"}), 409)
    assert "void" in body["detail"]
    body = assert_problem(
        merchant.post(f"/v1/invoices/{reissue['id']}/void", json={"reason": "x"}), 409
    )
    assert "draft" in body["detail"]
    assert_problem(
        merchant.post(
            f"/v1/invoices/{second['id']}/credit_notes", json={"reason": "x", "full": True}
        ),
        409,
    )
    # the corrected draft can be edited, then finalized with the next number
    act(merchant, reissue["id"], "discounts", {"amount": 900})
    corrected = act(merchant, reissue["id"], "finalize")
    assert corrected["number"] == "RE-2026-000003"
    assert totals(corrected) == (8000, 560, 8560)
    assert corrected["credit_applied"] == 524 and corrected["amount_due"] == 8036
    assert run_billing(merchant)["invoices"] == 0  # the copies are not contract lines

    rows = assert_ledger_balanced(engine, merchant.tenant_id)
    assert balance_of(rows, "receivables", {second["id"], cancellation["id"]}) == 0
    assert balance_of(rows, "receivables") == 8036
    assert balance_of(rows, "customer_credit") == 0
    assert balance_of(rows, "bank") == 2119


def test_paid_and_uncollectible(merchant: Merchant, engine: Engine) -> None:
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    otto = new_customer(merchant, "Otto")
    signup(merchant, {**ids, "customer": otto}, "flex")
    run_billing(merchant)
    paid = only(merchant, f"customer_id={ids['customer']}")
    lost = only(merchant, f"customer_id={otto}")

    future = {"paid_at": "2026-11-26T09:00:00+01:00"}
    assert_problem(
        merchant.post(f"/v1/invoices/{paid['id']}/mark_paid", json=future), 422, "/paid_at"
    )
    done = act(merchant, paid["id"], "mark_paid", {"paid_at": "2026-11-25T08:30:00+01:00"})
    assert done["state"] == "paid" and done["amount_due"] == 0
    assert done["paid_at"].startswith("2026-11-25T07:30:00")
    body = assert_problem(merchant.post(f"/v1/invoices/{paid['id']}/mark_paid"), 409)
    assert "paid" in body["detail"]
    body = assert_problem(merchant.post(f"/v1/invoices/{paid['id']}/mark_uncollectible"), 409)
    assert "is paid" in body["detail"]

    written_off = act(merchant, lost["id"], "mark_uncollectible")
    assert written_off["state"] == "uncollectible"
    body = assert_problem(merchant.post(f"/v1/invoices/{lost['id']}/mark_paid"), 409)
    assert "uncollectible" in body["detail"]
    assert_problem(merchant.post(f"/v1/invoices/{lost['id']}/mark_uncollectible"), 409)
    assert_problem(
        merchant.post(f"/v1/invoices/{lost['id']}/lines", json={"description": "x", "amount": 1}),
        409,
    )

    grace_days(merchant, 2)
    signup(merchant, ids, "magazine")
    run_billing(merchant)
    draft = only(merchant, "state=draft")
    body = assert_problem(merchant.post(f"/v1/invoices/{draft['id']}/mark_paid"), 409)
    assert "draft" in body["detail"]
    assert_problem(merchant.post(f"/v1/invoices/{draft['id']}/mark_uncollectible"), 409)
    assert_problem(
        merchant.post(
            f"/v1/invoices/{draft['id']}/credit_notes", json={"reason": "x", "full": True}
        ),
        409,
    )

    rows = assert_ledger_balanced(engine, merchant.tenant_id)
    assert balance_of(rows, "bank") == 2119
    assert balance_of(rows, "bad_debt") == 2119
    assert balance_of(rows, "receivables") == 0
    assert {r["posted_on"].isoformat() for r in rows if "bank" in _accounts(r)} == {TODAY}
    actions = {
        e["action"]
        for e in merchant.get("/v1/audit_events?object_type=invoice&limit=100").json()["data"]
    }
    assert {"paid", "uncollectible"} <= actions


# -- isolation ---------------------------------------------------------------------------------


def test_other_merchants_see_nothing(merchant: Merchant, other_merchant: Merchant) -> None:
    grace_days(merchant, 2)
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    run_billing(merchant)
    draft = only(merchant, "")
    path = f"/v1/invoices/{draft['id']}"
    assert_problem(other_merchant.get(path), 404)
    assert other_merchant.get("/v1/invoices").json()["data"] == []
    assert other_merchant.get(f"/v1/invoices?customer_id={ids['customer']}").json()["data"] == []
    for action, body in [
        ("lines", {"description": "x", "amount": 100}),
        ("discounts", {"percent": "10"}),
        ("finalize", None),
        ("credit_notes", {"reason": "x", "full": True}),
        ("void", {"reason": "x"}),
        ("mark_paid", None),
        ("mark_uncollectible", None),
    ]:
        assert_problem(other_merchant.post(f"{path}/{action}", json=body), 404)
    assert_problem(other_merchant.client.delete(path, headers=other_merchant.headers), 404)
    assert_problem(other_merchant.get(f"/v1/customers/{ids['customer']}/credit_balance"), 404)
    assert get(merchant, draft["id"]) == draft


def test_invoices_are_documented(merchant: Merchant) -> None:
    paths = merchant.client.get("/openapi.json").json()["paths"]
    assert {"get"} <= set(paths["/v1/invoices"])
    for action in ("lines", "discounts", "finalize", "credit_notes", "void", "mark_paid"):
        assert "post" in paths[f"/v1/invoices/{{invoice_id}}/{action}"]
    assert "delete" in paths["/v1/invoices/{invoice_id}"]
    assert "get" in paths["/v1/customers/{customer_id}/credit_balance"]
