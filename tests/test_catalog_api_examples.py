"""The three catalog examples, expressed through the API:
coffee soft subscription with three term variants and a surprise box add-on; a magazine with a
12-month term and auto-renewal; SaaS with per-seat tiers and metered API calls."""

from tests.conftest import Merchant, assert_problem

MONTH = {"unit": "month", "count": 1}


def post(merchant: Merchant, path: str, body: dict) -> dict:
    response = merchant.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def coffee(merchant: Merchant) -> dict:
    product = post(
        merchant,
        "/v1/products",
        {
            "name_de": "Kaffee Hausmischung",
            "name_en": "House blend coffee",
            "kind": "physical",
            "tax_category": "reduced",
            "sku": "KAF-HM-500",
        },
    )
    box_product = post(
        merchant,
        "/v1/products",
        {"name_de": "Überraschungsbox", "kind": "physical", "tax_category": "reduced"},
    )
    box = post(
        merchant,
        "/v1/components",
        {
            "product_id": box_product["id"],
            "name_de": "Überraschungsbox",
            "name_en": "Surprise box",
            "charge_type": "recurring",
            "unit_name": "box",
            "prices": [{"currency": "EUR", "model": "per_unit", "amount": "6.90"}],
        },
    )
    plan = post(
        merchant,
        "/v1/plans",
        {
            "product_id": product["id"],
            "name_de": "Kaffee-Abo Classic",
            "addon_components": [box["id"]],
        },
    )
    variants = {}
    for name, term, price in (("flex", None, "14.90"), ("12m", 12, "11.90"), ("24m", 24, "9.90")):
        variants[name] = post(
            merchant,
            "/v1/plan_variants",
            {
                "plan_id": plan["id"],
                "name_de": name,
                "billing_interval": MONTH,
                "minimum_term": {"unit": "month", "count": term} if term else None,
                "renewal": "convert_indefinite",
                "notice_period": MONTH if term else None,
                "notice_period_after_conversion": MONTH if term else None,
                "prices": [{"currency": "EUR", "amount": price}],
            },
        )
    return {"plan": plan, "variants": variants, "box": box}


def test_coffee_subscription_with_term_dependent_prices(merchant: Merchant) -> None:
    created = coffee(merchant)
    fees = {k: v["current_prices"][0]["amount"] for k, v in created["variants"].items()}
    assert fees == {"flex": "14.90", "12m": "11.90", "24m": "9.90"}
    assert created["variants"]["24m"]["minimum_term"] == {"unit": "month", "count": 24}
    catalog = merchant.get("/v1/catalog?currency=EUR").json()
    (offer,) = [o for o in catalog["data"] if o["plan"]["id"] == created["plan"]["id"]]
    assert sorted(v["prices"][0]["amount"] for v in offer["variants"]) == ["11.90", "14.90", "9.90"]
    assert offer["addons"][0]["component"]["name_en"] == "Surprise box"
    assert offer["addons"][0]["prices"][0]["amount"] == "6.90"
    assert offer["product"]["tax_category"] == "reduced"


def test_magazine_with_twelve_month_term_and_auto_renewal(merchant: Merchant) -> None:
    product = post(
        merchant,
        "/v1/products",
        {"name_de": "Magazin Print", "kind": "physical", "tax_category": "reduced"},
    )
    plan = post(
        merchant, "/v1/plans", {"product_id": product["id"], "name_de": "Magazin Jahresabo"}
    )
    consumer = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan["id"],
            "name_de": "12 Monate (Verbraucher)",
            "billing_interval": {"unit": "year", "count": 1},
            "minimum_term": {"unit": "month", "count": 12},
            "renewal": "convert_indefinite",
            "notice_period": MONTH,
            "notice_period_after_conversion": MONTH,
            "prices": [{"currency": "EUR", "amount": "89.00"}],
        },
    )
    assert consumer["renewal"] == "convert_indefinite"
    # Renewing for another fixed term is only allowed for businesses (§309 Nr. 9 BGB).
    refused = merchant.post(
        "/v1/plan_variants",
        json={
            "plan_id": plan["id"],
            "name_de": "12 Monate, verlängert sich um 12 Monate",
            "billing_interval": {"unit": "year", "count": 1},
            "minimum_term": {"unit": "month", "count": 12},
            "renewal": "renew",
            "notice_period": {"unit": "month", "count": 3},
            "prices": [{"currency": "EUR", "amount": "89.00"}],
        },
    )
    body = assert_problem(refused, 422, "/renewal")
    assert "/notice_period" in {e["pointer"] for e in body["errors"]}
    assert any("§309" in e["reason"] for e in body["errors"])
    business = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan["id"],
            "name_de": "12 Monate (Gewerbe)",
            "billing_interval": {"unit": "year", "count": 1},
            "minimum_term": {"unit": "month", "count": 12},
            "renewal": "renew",
            "notice_period": {"unit": "month", "count": 3},
            "offered_to_consumers": False,
            "prices": [{"currency": "EUR", "amount": "89.00"}],
        },
    )
    assert business["renewal"] == "renew"


def test_saas_with_seat_tiers_and_metered_api_calls(merchant: Merchant) -> None:
    product = post(merchant, "/v1/products", {"name_de": "Team Seats", "kind": "digital"})
    seats = post(
        merchant,
        "/v1/components",
        {
            "product_id": product["id"],
            "name_de": "Nutzer",
            "name_en": "Seats",
            "charge_type": "recurring",
            "unit_name": "seat",
            "prices": [
                {
                    "currency": "EUR",
                    "model": "graduated",
                    "tiers": [
                        {"up_to": "5", "unit_price": "10.00"},
                        {"up_to": "20", "unit_price": "8.00"},
                        {"up_to": None, "unit_price": "6.00"},
                    ],
                }
            ],
        },
    )
    calls = post(
        merchant,
        "/v1/components",
        {
            "product_id": product["id"],
            "name_de": "API-Aufrufe",
            "charge_type": "metered",
            "aggregation": "sum",
            "included_quantity": "10000",
            "prorate": False,
            "prices": [
                {"currency": "EUR", "model": "per_unit", "amount": "0.0125"},
                {"currency": "USD", "model": "per_unit", "amount": "0.0135"},
            ],
        },
    )
    assert calls["included_quantity"] == "10000"
    assert calls["current_prices"][0]["amount"] == "0.0125"
    plan = post(
        merchant,
        "/v1/plans",
        {
            "product_id": product["id"],
            "name_de": "Team",
            "billing_timing": "in_advance",
            "trial": {"length": {"unit": "day", "count": 30}},
            "included_components": [
                {"component_id": seats["id"], "quantity": "3"},
                {"component_id": calls["id"], "quantity": "0"},
            ],
        },
    )
    assert plan["trial"]["length"] == {"unit": "day", "count": 30}
    for interval, price in ((MONTH, "49.00"), ({"unit": "year", "count": 1}, "490.00")):
        post(
            merchant,
            "/v1/plan_variants",
            {
                "plan_id": plan["id"],
                "name_de": f"{interval['unit']}ly",
                "billing_interval": interval,
                "offered_to_consumers": False,
                "prices": [{"currency": "EUR", "amount": price}],
            },
        )
    (offer,) = [
        o for o in merchant.get("/v1/catalog").json()["data"] if o["plan"]["id"] == plan["id"]
    ]
    assert [c["quantity"] for c in offer["included_components"]] == ["3", "0"]
    assert offer["included_components"][0]["prices"][0]["tiers"][1]["unit_price"] == "8.00"


def test_catalog_filters_currency_and_hides_archived(merchant: Merchant) -> None:
    created = coffee(merchant)
    assert_problem(merchant.get("/v1/catalog?currency=EURO"), 422, "/currency")
    assert [
        o
        for o in merchant.get("/v1/catalog?currency=CHF").json()["data"]
        if o["plan"]["id"] == created["plan"]["id"]
    ] == []
    merchant.post(f"/v1/plan_variants/{created['variants']['flex']['id']}/archive")
    (offer,) = [
        o
        for o in merchant.get("/v1/catalog").json()["data"]
        if o["plan"]["id"] == created["plan"]["id"]
    ]
    assert len(offer["variants"]) == 2
    merchant.post(f"/v1/plans/{created['plan']['id']}/archive")
    assert [
        o
        for o in merchant.get("/v1/catalog").json()["data"]
        if o["plan"]["id"] == created["plan"]["id"]
    ] == []
