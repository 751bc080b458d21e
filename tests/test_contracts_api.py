"""Contracts and orders through the API: signup with preview, pause, resume, cancellation
(one day too late), revoke, withdrawal, trial end; bad input changes nothing."""

from datetime import UTC, datetime

from tests.conftest import Merchant, assert_problem

MONTH = {"unit": "month", "count": 1}
ADDRESS = {
    "street": "Weg",
    "house_number": "1",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
}


def post(merchant: Merchant, path: str, body: dict, status: int = 201) -> dict:
    response = merchant.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def catalog(merchant: Merchant) -> dict:
    coffee = post(
        merchant,
        "/v1/products",
        {"name_de": "Kaffee", "kind": "physical", "tax_category": "reduced"},
    )
    box = post(
        merchant,
        "/v1/components",
        {
            "product_id": coffee["id"],
            "name_de": "Überraschungsbox",
            "charge_type": "recurring",
            "prices": [
                {"currency": "EUR", "model": "per_unit", "amount": "6.90"},
                {"currency": "CHF", "model": "per_unit", "amount": "7.50"},
            ],
        },
    )
    plan = post(
        merchant,
        "/v1/plans",
        {
            "product_id": coffee["id"],
            "name_de": "Kaffee-Abo",
            "addon_components": [box["id"]],
            "setup_fee": [{"currency": "EUR", "amount": "4.90"}],
        },
    )
    flex = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan["id"],
            "name_de": "flex",
            "billing_interval": MONTH,
            "prices": [
                {"currency": "EUR", "amount": "14.90"},
                {"currency": "CHF", "amount": "16.00"},
            ],
        },
    )
    magazine_plan = post(merchant, "/v1/plans", {"product_id": coffee["id"], "name_de": "Magazin"})
    magazine = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": magazine_plan["id"],
            "name_de": "12 Monate",
            "billing_interval": {"unit": "year", "count": 1},
            "minimum_term": {"unit": "month", "count": 12},
            "renewal": "convert_indefinite",
            "notice_period": MONTH,
            "notice_period_after_conversion": MONTH,
            "prices": [{"currency": "EUR", "amount": "89.00"}],
        },
    )
    b2b = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": magazine_plan["id"],
            "name_de": "Firmen",
            "offered_to_consumers": False,
            "billing_interval": {"unit": "year", "count": 1},
            "minimum_term": {"unit": "month", "count": 12},
            "renewal": "renew",
            "notice_period": {"unit": "month", "count": 3},
            "prices": [{"currency": "EUR", "amount": "89.00"}],
        },
    )
    saas_plan = post(
        merchant,
        "/v1/plans",
        {
            "product_id": coffee["id"],
            "name_de": "SaaS",
            "trial": {"length": {"unit": "day", "count": 30}},
        },
    )
    saas = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": saas_plan["id"],
            "name_de": "monatlich",
            "billing_interval": MONTH,
            "prices": [{"currency": "EUR", "amount": "249.95"}],
        },
    )
    customer = post(
        merchant,
        "/v1/customers",
        {
            "kind": "person",
            "first_name": "Erika",
            "last_name": "Mustermann",
            "email": "erika@example.com",
            "billing_address": ADDRESS,
            "tax_status": "consumer",
        },
    )
    return {
        "flex": flex["id"],
        "magazine": magazine["id"],
        "b2b": b2b["id"],
        "saas": saas["id"],
        "box": box["id"],
        "customer": customer["id"],
    }


def signup(merchant: Merchant, ids: dict, variant: str, **extra) -> dict:
    return post(
        merchant,
        "/v1/orders",
        {"type": "signup", "customer_id": ids["customer"], "variant_id": ids[variant], **extra},
    )


def test_signup_preview_changes_nothing_and_matches_the_commit(merchant: Merchant) -> None:
    ids = catalog(merchant)
    order = {
        "type": "signup",
        "customer_id": ids["customer"],
        "variant_id": ids["flex"],
        "components": [{"component_id": ids["box"], "quantity": "2"}],
    }
    preview = post(merchant, "/v1/orders/preview", order, status=200)
    assert preview["order"] is None
    assert preview["contract"]["state"] == "active"
    charges = {c["kind"]: c["amount"] for c in preview["charges"]}
    # setup 4.90, fee 14.90 for the full first month (starts on its anchor), 2 boxes x 6.90
    assert charges == {"setup_fee": 490, "fee": 1490, "component": 1380}
    assert merchant.get("/v1/contracts").json()["data"] == []
    assert merchant.get("/v1/audit_events?object_type=contract").json()["data"] == []
    committed = post(merchant, "/v1/orders", order)
    assert committed["order"]["type"] == "signup"
    assert [c["amount"] for c in committed["charges"]] == [c["amount"] for c in preview["charges"]]
    contract = merchant.get(f"/v1/contracts/{committed['contract']['id']}").json()
    assert contract["state"] == "active" and contract["currency"] == "EUR"
    assert {(i["item_type"], i["quantity"]) for i in contract["items"]} == {
        ("plan_variant", "1"),
        ("component", "2"),
    }
    assert contract["cancellation_preview"]["end_date"] == "2026-12-25"
    timeline = merchant.get(f"/v1/contracts/{contract['id']}/timeline").json()
    assert [e["kind"] for e in timeline] == ["signed_up"]


def test_trial_signup_and_ending_the_trial(merchant: Merchant) -> None:
    ids = catalog(merchant)
    created = signup(merchant, ids, "saas")
    contract = created["contract"]
    assert contract["state"] == "trial"
    assert contract["trial_end"] == "2026-12-25" and contract["paid_start"] == "2026-12-25"
    assert created["charges"] == []  # the first period is billed when the trial ends
    ended = post(merchant, "/v1/orders", {"type": "end_trial", "contract_id": contract["id"]})
    assert ended["contract"]["state"] == "active"
    assert ended["contract"]["paid_start"] == "2026-11-25"
    assert_problem(
        merchant.post("/v1/orders", json={"type": "end_trial", "contract_id": contract["id"]}), 409
    )


def test_magazine_cancellation_one_day_too_late(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    assert contract["minimum_term_end"] == "2027-11-25"
    # The notice deadline is 2027-10-25; the letter arrives one day later.
    merchant.post(
        "/v1/clock/advance", json={"to": datetime(2027, 10, 26, 9, tzinfo=UTC).isoformat()}
    )
    cancelled = post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    state = cancelled["contract"]
    assert state["state"] == "in_notice"
    assert state["end_date"] == "2027-11-26"  # one month after receipt, after the term end
    confirmation = state["cancellation"]["confirmation"]
    assert confirmation["locale"] == "de"
    assert "Ablauf des 25. November 2027" in confirmation["text"]
    assert confirmation["received_at"].startswith("2027-10-26T11:00:00+02:00")
    again = merchant.post("/v1/orders", json={"type": "cancel", "contract_id": contract["id"]})
    assert_problem(again, 409)
    revoked = post(
        merchant, "/v1/orders", {"type": "revoke_cancellation", "contract_id": contract["id"]}
    )
    assert revoked["contract"]["state"] == "active" and revoked["contract"]["end_date"] is None
    kinds = [
        e["kind"]
        for e in merchant.get(f"/v1/contracts/{contract['id']}/timeline").json()
        if not e["kind"].startswith("delivery")
    ]
    assert kinds == ["signed_up", "cancelled", "cancellation_revoked"]


def test_in_time_cancellation_ends_with_the_term(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    merchant.post("/v1/clock/advance", json={"to": "2027-10-25T12:00:00+02:00"})
    cancelled = post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    assert cancelled["contract"]["end_date"] == "2027-11-25"
    merchant.post("/v1/clock/advance", json={"to": "2027-11-25T00:00:00+01:00"})
    assert merchant.get(f"/v1/contracts/{contract['id']}").json()["state"] == "ended"
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={
                "type": "pause",
                "contract_id": contract["id"],
                "start": "2027-12-01",
                "end": "2027-12-10",
            },
        ),
        409,
    )


def test_holiday_pause_and_early_resume(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")["contract"]
    paused = post(
        merchant,
        "/v1/orders",
        {
            "type": "pause",
            "contract_id": contract["id"],
            "start": "2026-12-20",
            "end": "2027-01-07",
        },
    )
    assert paused["contract"]["pauses"] == [
        {"start": "2026-12-20", "end": "2027-01-07", "fee": None}
    ]
    overlap = merchant.post(
        "/v1/orders",
        json={
            "type": "pause",
            "contract_id": contract["id"],
            "start": "2027-01-01",
            "end": "2027-01-10",
        },
    )
    assert_problem(overlap, 409)
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={
                "type": "pause",
                "contract_id": contract["id"],
                "start": "2027-02-10",
                "end": "2027-02-01",
            },
        ),
        422,
        "/end",
    )
    merchant.post("/v1/clock/advance", json={"to": "2026-12-22T10:00:00+01:00"})
    assert merchant.get(f"/v1/contracts/{contract['id']}").json()["state"] == "paused"
    resumed = post(merchant, "/v1/orders", {"type": "resume", "contract_id": contract["id"]})
    assert resumed["contract"]["pauses"] == [
        {"start": "2026-12-20", "end": "2026-12-22", "fee": None}
    ]
    assert resumed["contract"]["state"] == "active"


def test_withdrawal_within_fourteen_days(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    merchant.post("/v1/clock/advance", json={"to": "2026-12-10T10:00:00+01:00"})
    late = merchant.post(
        "/v1/orders", json={"type": "cancel", "contract_id": contract["id"], "kind": "withdrawal"}
    )
    assert_problem(late, 422, "/received_on")
    other = signup(merchant, ids, "flex")["contract"]
    withdrawn = post(
        merchant, "/v1/orders", {"type": "cancel", "contract_id": other["id"], "kind": "withdrawal"}
    )
    assert withdrawn["contract"]["state"] == "ended"
    assert withdrawn["contract"]["cancellation"]["kind"] == "withdrawal"


def test_bad_orders_name_the_field_and_change_nothing(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    ids = catalog(merchant)
    base = {"type": "signup", "customer_id": ids["customer"], "variant_id": ids["flex"]}
    assert_problem(
        merchant.post("/v1/orders", json={**base, "variant_id": ids["b2b"]}), 422, "/variant_id"
    )
    assert_problem(
        merchant.post("/v1/orders", json={**base, "customer_id": "cus_nope"}), 422, "/customer_id"
    )
    assert_problem(merchant.post("/v1/orders", json={**base, "currency": "USD"}), 422, "/currency")
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={**base, "components": [{"component_id": ids["box"], "quantity": "-1"}]},
        ),
        422,
        "/components/0/quantity",
    )
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={**base, "components": [{"component_id": "cmp_nope", "quantity": "1"}]},
        ),
        422,
        "/components/0/component_id",
    )
    assert_problem(merchant.post("/v1/orders", json={**base, "type": "teleport"}), 422)
    assert_problem(
        merchant.post("/v1/orders", json={**base, "billing_anchor_day": 32}),
        422,
        "/billing_anchor_day",
    )
    assert merchant.get("/v1/contracts").json()["data"] == []
    assert merchant.get("/v1/audit_events?object_type=order").json()["data"] == []
    signup(merchant, ids, "flex")
    conflict = merchant.post("/v1/orders", json={**base, "currency": "CHF"})
    assert_problem(conflict, 409)
    theirs = catalog(other_merchant)
    their_contract = signup(other_merchant, theirs, "flex")["contract"]
    assert_problem(merchant.get(f"/v1/contracts/{their_contract['id']}"), 404)
    assert_problem(
        merchant.post("/v1/orders", json={"type": "cancel", "contract_id": their_contract["id"]}),
        404,
    )
    assert len(merchant.get("/v1/contracts").json()["data"]) == 1


def test_commit_is_idempotent(merchant: Merchant) -> None:
    ids = catalog(merchant)
    body = {"type": "signup", "customer_id": ids["customer"], "variant_id": ids["flex"]}
    first = merchant.post("/v1/orders", json=body, headers={"Idempotency-Key": "signup-1"})
    second = merchant.post("/v1/orders", json=body, headers={"Idempotency-Key": "signup-1"})
    assert first.json() == second.json()
    assert len(merchant.get("/v1/contracts").json()["data"]) == 1


def test_coffee_soft_subscription_year(merchant: Merchant) -> None:
    """Holiday pause, a skip, quantity changes and a cancellation, walking the tenant clock."""
    ids = catalog(merchant)
    created = signup(
        merchant, ids, "flex", components=[{"component_id": ids["box"], "quantity": "1"}]
    )
    contract_id = created["contract"]["id"]  # starts 2026-11-25: periods start on the 25th
    merchant.post("/v1/clock/advance", json={"to": "2026-12-05T10:00:00+01:00"})
    more = post(
        merchant,
        "/v1/orders",
        {
            "type": "change_quantity",
            "contract_id": contract_id,
            "component_id": ids["box"],
            "quantity": "3",
        },
    )
    # 20 of 30 days left: 3 x 6.90 x 0.666666667 = 13.80, minus 1 x 6.90 x 0.666666667 = 4.60
    assert [(c["kind"], c["amount"]) for c in more["charges"]] == [("component", 920)]
    boxes = [i for i in more["contract"]["items"] if i["item_type"] == "component"]
    assert [(b["quantity"], b["valid_from"]) for b in boxes] == [("3", "2026-12-05")]
    same = merchant.post(
        "/v1/orders",
        json={
            "type": "change_quantity",
            "contract_id": contract_id,
            "component_id": ids["box"],
            "quantity": "3",
        },
    )
    assert_problem(same, 409)

    skipped = post(merchant, "/v1/orders", {"type": "skip", "contract_id": contract_id})
    assert skipped["contract"]["skips"] == ["2026-12-25"]
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={"type": "skip", "contract_id": contract_id, "period_start": "2026-12-25"},
        ),
        409,
    )
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={"type": "skip", "contract_id": contract_id, "period_start": "2027-01-10"},
        ),
        422,
        "/period_start",
    )

    post(
        merchant,
        "/v1/orders",
        {"type": "pause", "contract_id": contract_id, "start": "2027-02-01", "end": "2027-02-15"},
    )
    assert_problem(
        merchant.post(
            "/v1/orders",
            json={"type": "skip", "contract_id": contract_id, "period_start": "2027-01-25"},
        ),
        409,
    )

    merchant.post("/v1/clock/advance", json={"to": "2027-03-03T10:00:00+01:00"})
    cancelled = post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract_id})
    assert cancelled["contract"]["end_date"] == "2027-03-25"
    merchant.post("/v1/clock/advance", json={"to": "2027-03-10T10:00:00+01:00"})
    fewer = post(
        merchant,
        "/v1/orders",
        {
            "type": "change_quantity",
            "contract_id": contract_id,
            "component_id": ids["box"],
            "quantity": "0",
        },
    )
    # 15 of 28 days left (Feb 25 - Mar 25): 3 x 6.90 x 0.535714286 = 11.09 credited
    assert [(c["kind"], c["amount"]) for c in fewer["charges"]] == [("component", -1109)]
    assert [i["item_type"] for i in fewer["contract"]["items"]] == ["plan_variant"]
    assert [k for k, _ in kinds(merchant, contract_id)] == [
        "signed_up",
        "quantity_changed",
        "skipped",
        "paused",
        "cancelled",
        "quantity_changed",
    ]
    assert kinds(merchant, contract_id)[2] == ("skipped", "2026-12-25")
    merchant.post("/v1/clock/advance", json={"to": "2027-03-25T00:00:00+01:00"})
    assert merchant.get(f"/v1/contracts/{contract_id}").json()["state"] == "ended"

    # deliveries: monthly on the 25th; none in the skipped December period, none after the end
    due = merchant.get(f"/v1/deliveries?contract_id={contract_id}").json()["data"]
    assert [(d["due_on"], [i["quantity"] for i in d["items"]]) for d in due] == [
        ("2027-02-25", ["1", "3"]),
        ("2027-01-25", ["1", "3"]),
        ("2026-11-25", ["1", "1"]),
    ]
    assert due[0]["shipping_address"]["city"] == "Berlin" and due[0]["state"] == "scheduled"
    shipped = post(
        merchant,
        f"/v1/deliveries/{due[-1]['id']}/ship",
        {"tracking_number": "00340434"},
        status=200,
    )
    assert shipped["state"] == "shipped" and shipped["tracking_number"] == "00340434"
    assert_problem(merchant.post(f"/v1/deliveries/{due[-1]['id']}/ship", json={}), 409)
    exported = merchant.get("/v1/deliveries/export")
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.strip().splitlines()
    assert lines[0].startswith("delivery_id,due_on,contract_id")
    assert [line.split(",")[1] for line in lines[1:]] == ["2027-01-25", "2027-02-25"]
    assert "3 x Überraschungsbox" in lines[1]


def test_quantity_changes_refuse_bad_input(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract_id = signup(merchant, ids, "flex")["contract"]["id"]
    base = {"type": "change_quantity", "contract_id": contract_id, "component_id": ids["box"]}
    assert_problem(merchant.post("/v1/orders", json={**base, "quantity": "-2"}), 422, "/quantity")
    assert_problem(
        merchant.post("/v1/orders", json={**base, "quantity": "1", "component_id": "cmp_nope"}),
        422,
        "/component_id",
    )
    assert_problem(
        merchant.post("/v1/orders", json={**base, "quantity": "1", "effective_on": "2026-01-01"}),
        422,
        "/effective_on",
    )
    timeline = merchant.get(f"/v1/contracts/{contract_id}/timeline").json()
    assert [e["kind"] for e in timeline] == ["signed_up"]


def saas_variants(merchant: Merchant) -> dict:
    product = post(merchant, "/v1/products", {"name_de": "Team-Software", "kind": "digital"})
    plan = post(
        merchant,
        "/v1/plans",
        {"product_id": product["id"], "name_de": "Team", "change_timing": "end_of_period"},
    )
    monthly = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan["id"],
            "name_de": "monatlich",
            "billing_interval": MONTH,
            "offered_to_consumers": False,
            "prices": [{"currency": "EUR", "amount": "249.95"}],
        },
    )
    yearly = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan["id"],
            "name_de": "jährlich",
            "billing_interval": {"unit": "year"},
            "minimum_term": {"unit": "year"},
            "renewal": "renew",
            "notice_period": {"unit": "month", "count": 3},
            "offered_to_consumers": False,
            "prices": [{"currency": "EUR", "amount": "2399.95"}],
        },
    )
    company = post(
        merchant,
        "/v1/customers",
        {
            "kind": "company",
            "company_name": "Beispiel GmbH",
            "email": "it@example.com",
            "billing_address": ADDRESS,
            "tax_status": "business",
        },
    )
    return {"monthly": monthly["id"], "yearly": yearly["id"], "customer": company["id"]}


def test_saas_upgrade_mid_period_from_monthly_to_yearly(merchant: Merchant) -> None:
    ids = saas_variants(merchant)
    contract = signup(
        merchant, ids, "monthly", start_date="2027-01-01", billing_anchor_day=1, with_trial=False
    )["contract"]
    order = {
        "type": "change_plan",
        "contract_id": contract["id"],
        "variant_id": ids["yearly"],
        "timing": "immediate",
        "effective_on": "2027-01-12",
    }
    preview = post(merchant, "/v1/orders/preview", order, status=200)
    # unused 20/31 of January: 0.645161290 x 249.95 = 161.26 credited;
    # Jan 12 2027 - Jan 1 2028 is 354 of 365 days: 0.969863014 x 2399.95 = 2327.62 charged
    assert [(c["kind"], c["amount"]) for c in preview["charges"]] == [
        ("fee", -16126),
        ("fee", 232762),
    ]
    changed = post(merchant, "/v1/orders", order)
    assert changed["charges"] == preview["charges"]
    state = changed["contract"]
    assert state["variant_id"] == ids["yearly"] and state["term_start"] == "2027-01-12"
    assert state["minimum_term_end"] == "2028-01-12"
    assert state["terms"]["billing_interval"] == {"unit": "year", "count": 1}
    segments = merchant.get(f"/v1/contracts/{contract['id']}/timeline").json()
    assert [e["kind"] for e in segments] == ["signed_up", "plan_changed"]
    assert_problem(merchant.post("/v1/orders", json={**order, "effective_on": "2027-02-01"}), 409)


def test_plan_change_at_period_end_by_the_plan_rule(merchant: Merchant) -> None:
    ids = saas_variants(merchant)
    contract = signup(merchant, ids, "monthly", with_trial=False)["contract"]  # from Nov 25
    changed = post(
        merchant,
        "/v1/orders",
        {"type": "change_plan", "variant_id": ids["yearly"], "contract_id": contract["id"]},
    )
    assert changed["order"]["request"]["timing"] == "end_of_period"
    assert changed["contract"]["term_start"] == "2026-12-25"
    # no unused rest at a period boundary; the yearly fee runs Dec 25 to Nov 25 next year:
    # 335/365 = 0.917808219 x 2399.95 = 2202.69
    assert [(c["kind"], c["amount"]) for c in changed["charges"]] == [("fee", 220269)]
    items = merchant.get(f"/v1/contracts/{contract['id']}").json()["items"]
    assert [i["ref_id"] for i in items] == [ids["monthly"]]  # still monthly today


def test_plan_change_refusals(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")["contract"]
    base = {"type": "change_plan", "contract_id": contract["id"]}
    assert_problem(
        merchant.post("/v1/orders", json={**base, "variant_id": ids["b2b"]}), 422, "/variant_id"
    )
    assert_problem(merchant.post("/v1/orders", json={**base, "variant_id": ids["flex"]}), 409)
    assert_problem(
        merchant.post("/v1/orders", json={**base, "variant_id": "var_nope"}), 422, "/variant_id"
    )
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    assert_problem(merchant.post("/v1/orders", json={**base, "variant_id": ids["magazine"]}), 409)
    assert merchant.get(f"/v1/contracts/{contract['id']}").json()["variant_id"] == ids["flex"]


def test_coupon_redeemed_at_signup(merchant: Merchant) -> None:
    ids = catalog(merchant)
    plan_id = merchant.get(f"/v1/plan_variants/{ids['flex']}").json()["plan_id"]
    coupon = post(
        merchant,
        "/v1/coupons",
        {
            "code": "Sommer-24",
            "name": "20 % für 3 Monate",
            "kind": "percent",
            "percent": "20",
            "duration": "repeating",
            "duration_periods": 3,
            "targets": {"plan_ids": [plan_id]},
            "max_redemptions_per_customer": 1,
        },
    )
    order = {
        "type": "signup",
        "customer_id": ids["customer"],
        "variant_id": ids["flex"],
        "coupon_code": "sommer-24",
        "components": [{"component_id": ids["box"], "quantity": "2"}],
    }
    preview = post(merchant, "/v1/orders/preview", order, status=200)
    assert merchant.get(f"/v1/coupons/{coupon['id']}").json()["redemptions"] == 0
    # 20 % of 14.90 = 2.98 and of 2 x 6.90 = 2.76; the setup fee is not discounted
    assert [(c["kind"], c["amount"]) for c in preview["charges"]] == [
        ("component", 1380),
        ("discount", -276),
        ("discount", -298),
        ("fee", 1490),
        ("setup_fee", 490),
    ]
    committed = post(merchant, "/v1/orders", order)

    def shown(charges: list[dict]) -> list[tuple]:  # the redemption id is new on commit
        return [(c["kind"], c["description"], c["amount"]) for c in charges]

    assert shown(committed["charges"]) == shown(preview["charges"])
    assert merchant.get(f"/v1/coupons/{coupon['id']}").json()["redemptions"] == 1
    again = merchant.post("/v1/orders", json=order)
    body = assert_problem(again, 422, "/coupon_code")
    assert "already redeemed" in body["errors"][0]["reason"]
    assert len(merchant.get("/v1/contracts").json()["data"]) == 1
    unknown = merchant.post("/v1/orders", json={**order, "coupon_code": "NOPE-1"})
    assert_problem(unknown, 422, "/coupon_code")
    assert merchant.get(f"/v1/coupons/{coupon['id']}").json()["redemptions"] == 1


def kinds(merchant: Merchant, contract_id: str) -> list[tuple[str, str]]:
    """The timeline without deliveries (their own test covers those)."""
    events = merchant.get(f"/v1/contracts/{contract_id}/timeline").json()
    return [(e["kind"], e["effective_on"]) for e in events if not e["kind"].startswith("delivery")]


def test_the_clock_writes_transitions_into_the_timeline(merchant: Merchant) -> None:
    ids = catalog(merchant)
    business = post(
        merchant,
        "/v1/customers",
        {
            "kind": "company",
            "company_name": "Verlag AG",
            "email": "abo@verlag.example",
            "billing_address": ADDRESS,
            "tax_status": "business",
        },
    )
    renewing = post(
        merchant,
        "/v1/orders",
        {"type": "signup", "customer_id": business["id"], "variant_id": ids["b2b"]},
    )["contract"]["id"]
    converting = signup(merchant, ids, "magazine")["contract"]["id"]
    trial = signup(merchant, ids, "saas")["contract"]["id"]
    cancelled = signup(merchant, ids, "flex")["contract"]["id"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": cancelled})
    revoked = signup(merchant, ids, "flex")["contract"]["id"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": revoked})
    post(merchant, "/v1/orders", {"type": "revoke_cancellation", "contract_id": revoked})

    advanced = merchant.post("/v1/clock/advance", json={"to": "2028-12-01T12:00:00+01:00"})
    assert advanced.status_code == 200, advanced.text
    assert all(t["state"] == "done" for t in advanced.json()["tasks"])
    assert kinds(merchant, renewing) == [
        ("signed_up", "2026-11-25"),
        ("renewed", "2027-11-25"),
        ("renewed", "2028-11-25"),
    ]
    assert kinds(merchant, converting) == [
        ("signed_up", "2026-11-25"),
        ("converted_to_indefinite", "2027-11-25"),
    ]
    assert kinds(merchant, trial) == [("signed_up", "2026-11-25"), ("trial_ended", "2026-12-25")]
    assert kinds(merchant, cancelled)[-1] == ("ended", "2026-12-25")
    assert ("ended", "2026-12-25") not in kinds(merchant, revoked)
    # running the clock on changes nothing twice
    again = merchant.post("/v1/clock/advance", json={"to": "2028-12-02T12:00:00+01:00"})
    assert again.json()["tasks"] == []
    assert len(kinds(merchant, renewing)) == 3


def test_one_time_charge(merchant: Merchant) -> None:
    ids = catalog(merchant)
    product = post(merchant, "/v1/products", {"name_de": "Kaffeemühle", "kind": "physical"})
    grinder = post(
        merchant,
        "/v1/components",
        {
            "product_id": product["id"],
            "name_de": "Kaffeemühle",
            "charge_type": "one_time",
            "prices": [{"currency": "EUR", "model": "per_unit", "amount": "49.00"}],
        },
    )
    contract_id = signup(merchant, ids, "flex")["contract"]["id"]
    order = {
        "type": "one_time_charge",
        "contract_id": contract_id,
        "component_id": grinder["id"],
        "quantity": "2",
    }
    charged = post(merchant, "/v1/orders", order)
    assert [(c["kind"], c["amount"]) for c in charged["charges"]] == [("one_time", 9800)]
    one_time = [i for i in charged["contract"]["items"] if i["item_type"] == "one_time"]
    assert [(i["quantity"], i["valid_from"], i["valid_until"]) for i in one_time] == [
        ("2", "2026-11-25", "2026-11-26")
    ]
    assert_problem(merchant.post("/v1/orders", json={**order, "quantity": "0"}), 422, "/quantity")
    assert_problem(
        merchant.post("/v1/orders", json={**order, "component_id": ids["box"]}),
        422,
        "/component_id",
    )
    assert kinds(merchant, contract_id)[-1] == ("one_time_charged", "2026-11-25")


def test_pause_with_a_reduced_fee(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract_id = signup(merchant, ids, "flex")["contract"]["id"]
    base = {"type": "pause", "contract_id": contract_id, "start": "2027-07-01", "end": "2027-09-01"}
    assert_problem(merchant.post("/v1/orders", json={**base, "fee": "2.999"}), 422, "/fee")
    assert_problem(merchant.post("/v1/orders", json={**base, "fee": "-1"}), 422, "/fee")
    paused = post(merchant, "/v1/orders", {**base, "fee": "2.90"})
    assert paused["contract"]["pauses"] == [
        {"start": "2027-07-01", "end": "2027-09-01", "fee": 290}
    ]
    merchant.post("/v1/clock/advance", json={"to": "2027-08-01T10:00:00+02:00"})
    resumed = post(merchant, "/v1/orders", {"type": "resume", "contract_id": contract_id})
    assert resumed["contract"]["pauses"] == [
        {"start": "2027-07-01", "end": "2027-08-01", "fee": 290}
    ]


def test_withdrawal_after_an_early_start_is_compensated(merchant: Merchant) -> None:
    ids = catalog(merchant)
    early = signup(merchant, ids, "flex")["contract"]["id"]
    plain = signup(merchant, ids, "flex")["contract"]["id"]
    merchant.post("/v1/clock/advance", json={"to": "2026-12-05T10:00:00+01:00"})
    withdrawn = post(
        merchant,
        "/v1/orders",
        {
            "type": "cancel",
            "contract_id": early,
            "kind": "withdrawal",
            "service_started_early": True,
        },
    )
    # everything billed is reversed; 10 of 30 days served: 0.333333333 x 14.90 = 4.97
    assert [(c["kind"], c["amount"]) for c in withdrawn["charges"]] == [
        ("compensation", 497),
        ("fee", -1490),
        ("setup_fee", -490),
    ]
    assert withdrawn["contract"]["cancellation"]["service_started_early"] is True
    nothing = post(
        merchant, "/v1/orders", {"type": "cancel", "contract_id": plain, "kind": "withdrawal"}
    )
    assert [(c["kind"], c["amount"]) for c in nothing["charges"]] == [
        ("fee", -1490),
        ("setup_fee", -490),
    ]
    assert nothing["contract"]["state"] == "ended"


def test_immediate_cancellation_credits_the_unused_days(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract_id = signup(
        merchant, ids, "flex", components=[{"component_id": ids["box"], "quantity": "1"}]
    )["contract"]["id"]
    merchant.post("/v1/clock/advance", json={"to": "2026-12-05T10:00:00+01:00"})
    order = {"type": "cancel", "contract_id": contract_id, "kind": "immediate"}
    preview = post(merchant, "/v1/orders/preview", order, status=200)
    # 20 of 30 days unused: 0.666666667 x 14.90 = 9.93 and x 6.90 = 4.60
    assert [(c["kind"], c["amount"]) for c in preview["charges"]] == [
        ("component", -460),
        ("fee", -993),
    ]
    assert preview["contract"]["state"] == "ended"
    ordinary = signup(merchant, ids, "flex")["contract"]["id"]
    cancelled = post(merchant, "/v1/orders", {"type": "cancel", "contract_id": ordinary})
    assert cancelled["charges"] == []  # ends with the paid period


def test_contract_view_shows_phases_and_the_cancellation_deadline(merchant: Merchant) -> None:
    ids = catalog(merchant)
    magazine = signup(merchant, ids, "magazine")["contract"]
    assert magazine["phases"] == [{"kind": "regular", "start": "2026-11-25", "end": None}]
    assert magazine["cancellation_preview"] == {
        "received_on": "2026-11-25",
        "end_date": "2027-11-25",
        "cancel_by": "2027-10-25",
    }
    saas = signup(merchant, ids, "saas")["contract"]
    assert saas["phases"] == [
        {"kind": "trial", "start": "2026-11-25", "end": "2026-12-25"},
        {"kind": "regular", "start": "2026-12-25", "end": None},
    ]
    flex = signup(merchant, ids, "flex")["contract"]
    assert flex["cancellation_preview"]["cancel_by"] == "2026-12-24"
    cancelled = post(merchant, "/v1/orders", {"type": "cancel", "contract_id": flex["id"]})
    assert cancelled["contract"]["phases"] == [
        {"kind": "regular", "start": "2026-11-25", "end": "2026-12-25"}
    ]
    assert cancelled["contract"]["cancellation_preview"] is None


def test_saas_year_with_an_upgrade_mid_period(merchant: Merchant) -> None:
    """Walks the tenant clock through a year: monthly SaaS, upgraded to yearly mid-period."""
    ids = saas_variants(merchant)
    contract_id = signup(merchant, ids, "monthly", with_trial=False)["contract"]["id"]
    merchant.post("/v1/clock/advance", json={"to": "2026-12-06T09:30:00+01:00"})
    upgraded = post(
        merchant,
        "/v1/orders",
        {
            "type": "change_plan",
            "contract_id": contract_id,
            "variant_id": ids["yearly"],
            "timing": "immediate",
        },
    )
    # Nov 25 - Dec 25 has 30 days, 19 unused: 0.633333333 x 249.95 = 158.30 credited;
    # Dec 6 2026 - Nov 25 2027 is 354 of 365 days: 0.969863014 x 2399.95 = 2327.62 charged
    assert [(c["kind"], c["amount"]) for c in upgraded["charges"]] == [
        ("fee", -15830),
        ("fee", 232762),
    ]
    assert upgraded["contract"]["minimum_term_end"] == "2027-12-06"
    merchant.post("/v1/clock/advance", json={"to": "2027-12-10T09:00:00+01:00"})
    contract = merchant.get(f"/v1/contracts/{contract_id}").json()
    assert contract["state"] == "active"
    assert kinds(merchant, contract_id) == [
        ("signed_up", "2026-11-25"),
        ("plan_changed", "2026-12-06"),
        ("renewed", "2027-12-06"),
    ]
    # renewed for another year: a cancellation now ends with the renewed term
    assert contract["cancellation_preview"]["end_date"] == "2028-12-06"
    assert contract["cancellation_preview"]["cancel_by"] == "2028-09-06"
