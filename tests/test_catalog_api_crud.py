"""Catalog CRUD through the API: validation naming fields, archive-not-delete, price versions,
tenant isolation, audit."""

from datetime import timedelta

from tests.conftest import Merchant, assert_problem

MONTH = {"unit": "month", "count": 1}


def product(merchant: Merchant, **extra) -> dict:
    response = merchant.post("/v1/products", json={"name_de": "Tee", "kind": "physical", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def plan(merchant: Merchant, product_id: str, **extra) -> dict:
    response = merchant.post(
        "/v1/plans", json={"product_id": product_id, "name_de": "Tee-Abo", **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


def variant(merchant: Merchant, plan_id: str, amount: str = "9.90", **extra) -> dict:
    response = merchant.post(
        "/v1/plan_variants",
        json={
            "plan_id": plan_id,
            "name_de": "monatlich",
            "billing_interval": MONTH,
            "prices": [{"currency": "EUR", "amount": amount}],
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_product_crud_and_audit(merchant: Merchant) -> None:
    created = product(merchant, sku="TEE-1", tax_category="reduced")
    assert created["tax_category"] == "reduced" and created["archived_at"] is None
    patched = merchant.patch(f"/v1/products/{created['id']}", json={"name_en": "Tea"}).json()
    assert patched["name_en"] == "Tea" and patched["name_de"] == "Tee"
    listed = merchant.get("/v1/products").json()["data"]
    assert created["id"] in {p["id"] for p in listed}
    events = merchant.get(f"/v1/audit_events?object_id={created['id']}").json()["data"]
    assert [e["action"] for e in events] == ["updated", "created"]
    assert events[0]["before"]["name_en"] is None and events[0]["after"]["name_en"] == "Tea"


def test_product_bad_input_names_the_field(merchant: Merchant) -> None:
    assert_problem(
        merchant.post("/v1/products", json={"name_de": "X", "kind": "vapour"}), 422, "/kind"
    )
    assert_problem(merchant.post("/v1/products", json={"kind": "digital"}), 422, "/name_de")
    assert_problem(
        merchant.post(
            "/v1/products", json={"name_de": "X", "kind": "digital", "tax_category": "luxury"}
        ),
        422,
        "/tax_category",
    )
    created = product(merchant, sku="DUP-1")
    assert_problem(
        merchant.post("/v1/products", json={"name_de": "Y", "kind": "digital", "sku": "DUP-1"}), 409
    )
    assert_problem(
        merchant.patch(f"/v1/products/{created['id']}", json={"name_de": None}), 422, "/name_de"
    )


def test_referenced_records_are_archived_not_deleted(merchant: Merchant) -> None:
    prd = product(merchant)
    pln = plan(merchant, prd["id"])
    assert_problem(
        merchant.client.delete(f"/v1/products/{prd['id']}", headers=merchant.headers), 409
    )
    archived = merchant.post(f"/v1/products/{prd['id']}/archive").json()
    assert archived["archived_at"] is not None
    # archived: still readable, frozen, and nothing new may reference it
    assert merchant.get(f"/v1/products/{prd['id']}").status_code == 200
    assert_problem(merchant.patch(f"/v1/products/{prd['id']}", json={"name_en": "x"}), 409)
    assert_problem(
        merchant.post("/v1/plans", json={"product_id": prd["id"], "name_de": "Neu"}),
        422,
        "/product_id",
    )
    assert prd["id"] not in {p["id"] for p in merchant.get("/v1/products").json()["data"]}
    assert prd["id"] in {
        p["id"] for p in merchant.get("/v1/products?include_archived=true").json()["data"]
    }
    # an unreferenced record can be deleted
    lonely = product(merchant)
    response = merchant.client.delete(f"/v1/products/{lonely['id']}", headers=merchant.headers)
    assert response.status_code == 204
    assert_problem(merchant.get(f"/v1/products/{lonely['id']}"), 404)
    assert pln["product_id"] == prd["id"]


def test_plan_validation_names_nested_fields(merchant: Merchant) -> None:
    prd = product(merchant)
    response = merchant.post(
        "/v1/plans",
        json={
            "product_id": prd["id"],
            "name_de": "P",
            "setup_fee": [{"currency": "EUR", "model": "per_unit", "amount": "1.00"}],
            "intro": {"periods": 2, "prices": [{"currency": "EUR", "amount": "-1"}]},
            "included_components": [{"component_id": "cmp_missing", "quantity": "1"}],
        },
    )
    body = assert_problem(response, 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert {
        "/setup_fee/0/model",
        "/intro/prices/0/amount",
        "/included_components/0/component_id",
    } <= pointers
    assert_problem(
        merchant.post("/v1/plans", json={"product_id": "prd_nope", "name_de": "P"}),
        422,
        "/product_id",
    )
    assert_problem(
        merchant.post(
            "/v1/plans",
            json={
                "product_id": prd["id"],
                "name_de": "P",
                "trial": {"length": {"unit": "day", "count": 0}},
            },
        ),
        422,
        "/trial/length/count",
    )


def test_variant_validation(merchant: Merchant) -> None:
    pln = plan(merchant, product(merchant)["id"])
    base = {
        "plan_id": pln["id"],
        "name_de": "v",
        "billing_interval": MONTH,
        "prices": [{"currency": "EUR", "amount": "9.90"}],
    }
    assert_problem(merchant.post("/v1/plan_variants", json={**base, "prices": []}), 422, "/prices")
    assert_problem(
        merchant.post(
            "/v1/plan_variants", json={**base, "prices": [{"currency": "EUR", "amount": "9.999"}]}
        ),
        422,
        "/prices/0/amount",
    )
    assert_problem(
        merchant.post(
            "/v1/plan_variants",
            json={**base, "prices": [{"currency": "EUR", "model": "per_unit", "amount": "1"}]},
        ),
        422,
        "/prices/0/model",
    )
    assert_problem(
        merchant.post(
            "/v1/plan_variants", json={**base, "prices": [{"currency": "XXX", "amount": "1"}]}
        ),
        422,
        "/prices/0/currency",
    )
    assert_problem(
        merchant.post(
            "/v1/plan_variants",
            json={
                **base,
                "minimum_term": {"unit": "month", "count": 36},
                "renewal": "convert_indefinite",
            },
        ),
        422,
        "/minimum_term",
    )


def test_price_versions_grandfather_by_default(merchant: Merchant, wall_clock) -> None:
    pln = plan(merchant, product(merchant)["id"])
    var = variant(merchant, pln["id"], "14.90")
    today = wall_clock.now().date()
    future = (today + timedelta(days=40)).isoformat()
    created = merchant.post(
        f"/v1/plan_variants/{var['id']}/price_versions",
        json={"effective_from": future, "prices": [{"currency": "EUR", "amount": "15.90"}]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["migrate_existing"] is False
    # a signup today still gets today's price
    assert (
        merchant.get(f"/v1/plan_variants/{var['id']}").json()["current_prices"][0]["amount"]
        == "14.90"
    )
    versions = merchant.get(f"/v1/plan_variants/{var['id']}/price_versions").json()["data"]
    assert [v["prices"][0]["amount"] for v in versions] == ["15.90", "14.90"]
    # after travelling past the effective date, new signups get the new price
    merchant.post(
        "/v1/clock/advance", json={"to": (wall_clock.now() + timedelta(days=41)).isoformat()}
    )
    assert (
        merchant.get(f"/v1/plan_variants/{var['id']}").json()["current_prices"][0]["amount"]
        == "15.90"
    )


def test_price_versions_refuse_the_past_and_currency_changes(
    merchant: Merchant, wall_clock
) -> None:
    pln = plan(merchant, product(merchant)["id"])
    var = variant(merchant, pln["id"])
    yesterday = (wall_clock.now().date() - timedelta(days=1)).isoformat()
    path = f"/v1/plan_variants/{var['id']}/price_versions"
    assert_problem(
        merchant.post(
            path,
            json={"effective_from": yesterday, "prices": [{"currency": "EUR", "amount": "1.00"}]},
        ),
        422,
        "/effective_from",
    )
    body = assert_problem(
        merchant.post(path, json={"prices": [{"currency": "CHF", "amount": "1.00"}]}), 422
    )
    assert body["errors"][0]["pointer"].startswith("/versions")
    assert_problem(
        merchant.post(
            "/v1/plan_variants/var_nope/price_versions",
            json={"prices": [{"currency": "EUR", "amount": "1.00"}]},
        ),
        404,
    )
    assert len(merchant.get(path).json()["data"]) == 1
    merchant.post(f"/v1/plan_variants/{var['id']}/archive")
    archived = merchant.post(path, json={"prices": [{"currency": "EUR", "amount": "2.00"}]})
    assert_problem(archived, 409)
    assert len(merchant.get(path).json()["data"]) == 1


def test_component_rules(merchant: Merchant) -> None:
    prd = product(merchant)
    base = {
        "product_id": prd["id"],
        "name_de": "c",
        "prices": [{"currency": "EUR", "model": "per_unit", "amount": "1.00"}],
    }
    assert_problem(
        merchant.post("/v1/components", json={**base, "charge_type": "metered"}),
        422,
        "/aggregation",
    )
    assert_problem(
        merchant.post(
            "/v1/components", json={**base, "charge_type": "recurring", "aggregation": "sum"}
        ),
        422,
        "/aggregation",
    )
    assert_problem(
        merchant.post(
            "/v1/components",
            json={
                **base,
                "charge_type": "recurring",
                "prices": [
                    {
                        "currency": "EUR",
                        "model": "volume",
                        "tiers": [
                            {"up_to": "10", "unit_price": "1"},
                            {"up_to": "5", "unit_price": "1"},
                            {"up_to": None, "unit_price": "1"},
                        ],
                    }
                ],
            },
        ),
        422,
        "/prices/0/tiers/1/up_to",
    )
    ok = merchant.post("/v1/components", json={**base, "charge_type": "one_time"})
    assert ok.status_code == 201
    pln = plan(merchant, prd["id"], addon_components=[ok.json()["id"]])
    assert_problem(
        merchant.client.delete(f"/v1/components/{ok.json()['id']}", headers=merchant.headers), 409
    )
    assert pln["addon_components"] == [ok.json()["id"]]


def test_catalog_objects_are_tenant_isolated(merchant: Merchant, other_merchant: Merchant) -> None:
    theirs = product(other_merchant)
    their_plan = plan(other_merchant, theirs["id"])
    assert_problem(merchant.get(f"/v1/products/{theirs['id']}"), 404)
    assert_problem(merchant.patch(f"/v1/plans/{their_plan['id']}", json={"name_de": "x"}), 404)
    assert_problem(
        merchant.post("/v1/plans", json={"product_id": theirs["id"], "name_de": "x"}),
        422,
        "/product_id",
    )
    assert their_plan["id"] not in {
        o["plan"]["id"] for o in merchant.get("/v1/catalog").json()["data"]
    }
    assert other_merchant.get(f"/v1/plans/{their_plan['id']}").json()["name_de"] == "Tee-Abo"


def test_effective_dates_are_calendar_dates(merchant: Merchant) -> None:
    pln = plan(merchant, product(merchant)["id"])
    response = merchant.post(
        "/v1/plan_variants",
        json={
            "plan_id": pln["id"],
            "name_de": "v",
            "billing_interval": MONTH,
            "prices": [{"currency": "EUR", "amount": "9.90"}],
            "effective_from": "2026-02-30",
        },
    )
    assert_problem(response, 422, "/effective_from")
    assert merchant.get(f"/v1/plan_variants?plan_id={pln['id']}").json()["data"] == []
