"""Metered usage through the API: reporting single events and batches (deduplicated by
event_id, all or nothing), the rules on time (contract start and end, the future, the grace
period after a billing period, local time of the merchant) and components, tenant isolation,
and the period summary with sum, max and unique_count and a free quota."""

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from tests.conftest import Merchant, assert_problem
from tests.test_contracts_api import ADDRESS, MONTH, post
from turnus.store.billing_tables import usage_events


def metered(merchant: Merchant, product_id: str, name: str, aggregation: str, **extra) -> str:
    body = {
        "product_id": product_id,
        "name_de": name,
        "charge_type": "metered",
        "aggregation": aggregation,
        "prorate": False,
        "prices": [{"currency": "EUR", "model": "per_unit", "amount": "0.05"}],
        **extra,
    }
    return str(post(merchant, "/v1/components", body)["id"])


def cloud(merchant: Merchant) -> dict:
    """A SaaS plan with metered calls (sum, 1000 free, 0.05 EUR each), users (unique_count,
    2 free, 3.00 EUR each) and storage (max, an add-on, 0.10 EUR per GB); a recurring seat
    add-on; a metered component of no plan; a customer on the plan since 2026-11-25, billed
    monthly from the 1st."""
    product = post(merchant, "/v1/products", {"name_de": "Cloud", "kind": "digital"})["id"]
    calls = metered(
        merchant, product, "API-Aufrufe", "sum", unit_name="call", included_quantity="1000"
    )
    users = metered(
        merchant,
        product,
        "Aktive Nutzer",
        "unique_count",
        included_quantity="2",
        prices=[{"currency": "EUR", "model": "per_unit", "amount": "3.00"}],
    )
    storage = metered(
        merchant,
        product,
        "Speicher",
        "max",
        unit_name="GB",
        prices=[{"currency": "EUR", "model": "per_unit", "amount": "0.10"}],
    )
    elsewhere = metered(merchant, product, "Anderswo", "count")
    seats = post(
        merchant,
        "/v1/components",
        {
            "product_id": product,
            "name_de": "Plätze",
            "charge_type": "recurring",
            "prices": [{"currency": "EUR", "model": "per_unit", "amount": "10.00"}],
        },
    )["id"]
    plan = post(
        merchant,
        "/v1/plans",
        {
            "product_id": product,
            "name_de": "Cloud",
            "included_components": [
                {"component_id": calls, "quantity": "0"},
                {"component_id": users, "quantity": "0"},
            ],
            "addon_components": [storage, seats],
        },
    )["id"]
    variant = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan,
            "name_de": "monatlich",
            "billing_interval": MONTH,
            "prices": [{"currency": "EUR", "amount": "49.00"}],
        },
    )["id"]
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
    )["id"]
    contract = post(
        merchant,
        "/v1/orders",
        {
            "type": "signup",
            "customer_id": customer,
            "variant_id": variant,
            "billing_anchor_day": 1,
        },
    )["contract"]
    assert contract["start_date"] == "2026-11-25"
    assert contract["billing_anchor"] == "2026-11-01"
    return {
        "contract": contract["id"],
        "calls": calls,
        "users": users,
        "storage": storage,
        "elsewhere": elsewhere,
        "seats": seats,
    }


def event(ids: dict, event_id: str, component: str = "calls", **extra) -> dict:
    return {
        "event_id": event_id,
        "contract_id": ids["contract"],
        "component_id": ids[component],
        "timestamp": "2026-11-25T09:30:00+01:00",
        **extra,
    }


def report(merchant: Merchant, body: dict, status: int = 200) -> dict:
    response = merchant.post("/v1/usage_events", json=body)
    assert response.status_code == status, response.text
    return response.json()


def usage_of(merchant: Merchant, ids: dict, on: str | None = None) -> dict:
    query = f"?on={on}" if on else ""
    response = merchant.get(f"/v1/contracts/{ids['contract']}/usage{query}")
    assert response.status_code == 200, response.text
    return response.json()


def line(summary: dict, component_id: str) -> dict:
    (found,) = [c for c in summary["components"] if c["component_id"] == component_id]
    return found


def stored(engine: Engine, tenant_id: str) -> dict[str, dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(usage_events).where(usage_events.c.tenant_id == tenant_id)
        ).mappings()
        return {row["event_id"]: dict(row) for row in rows}


def test_a_single_event_is_stored(merchant: Merchant, engine: Engine) -> None:
    ids = cloud(merchant)
    body = event(ids, "evt-1", quantity="250", unique_key="u1", properties={"path": "/search"})
    assert report(merchant, body) == {
        "received": 1,
        "stored": 1,
        "duplicates": 0,
        "event_ids_stored": ["evt-1"],
    }
    row = stored(engine, merchant.tenant_id)["evt-1"]
    assert row["occurred_at"] == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert str(row["quantity"]) == "250"
    assert row["unique_key"] == "u1" and row["properties"] == {"path": "/search"}
    assert row["contract_id"] == ids["contract"] and row["component_id"] == ids["calls"]
    calls = line(usage_of(merchant, ids), ids["calls"])
    assert calls["event_count"] == 1 and calls["quantity"] == "250"
    # the quantity defaults to 1
    report(merchant, event(ids, "evt-2"))
    assert line(usage_of(merchant, ids), ids["calls"])["quantity"] == "251"


def test_a_batch_of_three(merchant: Merchant) -> None:
    ids = cloud(merchant)
    body = {
        "events": [
            event(ids, "b-1", quantity=100),
            event(ids, "b-2", quantity="0.5"),
            event(ids, "b-3", "storage", quantity="12.25"),
        ]
    }
    assert report(merchant, body) == {
        "received": 3,
        "stored": 3,
        "duplicates": 0,
        "event_ids_stored": ["b-1", "b-2", "b-3"],
    }
    summary = usage_of(merchant, ids)
    assert line(summary, ids["calls"])["quantity"] == "100.5"
    assert line(summary, ids["storage"])["quantity"] == "12.25"


def test_repeated_event_ids_are_ignored(merchant: Merchant) -> None:
    ids = cloud(merchant)
    first = {
        "events": [
            event(ids, "d-1", quantity="10"),
            event(ids, "d-2", quantity="20"),
            event(ids, "d-1", quantity="99"),  # repeated within the batch: the first one wins
        ]
    }
    assert report(merchant, first) == {
        "received": 3,
        "stored": 2,
        "duplicates": 1,
        "event_ids_stored": ["d-1", "d-2"],
    }
    second = {"events": [event(ids, "d-2", quantity="500"), event(ids, "d-3", quantity="3")]}
    assert report(merchant, second) == {
        "received": 2,
        "stored": 1,
        "duplicates": 1,
        "event_ids_stored": ["d-3"],
    }
    # the same body again (a retry): everything is a duplicate
    assert report(merchant, second) == {
        "received": 2,
        "stored": 0,
        "duplicates": 2,
        "event_ids_stored": [],
    }
    calls = line(usage_of(merchant, ids), ids["calls"])
    assert (calls["event_count"], calls["quantity"]) == (3, "33")


def test_one_bad_event_stores_nothing(merchant: Merchant, engine: Engine) -> None:
    ids = cloud(merchant)
    good = event(ids, "a-0", quantity="5")
    bad_quantity = {"events": [good, event(ids, "a-1", quantity="-1")]}
    assert_problem(merchant.post("/v1/usage_events", json=bad_quantity), 422, "/events/1/quantity")
    unknown = {
        "events": [
            good,
            event(ids, "a-1", component_id="cmp_unknown"),
            event(ids, "a-2", contract_id="con_unknown"),
        ]
    }
    problem = assert_problem(merchant.post("/v1/usage_events", json=unknown), 422)
    assert problem["errors"] == [
        {
            "pointer": "/events/1/component_id",
            "location": "body",
            "reason": "no component with id 'cmp_unknown' exists",
        },
        {
            "pointer": "/events/2/contract_id",
            "location": "body",
            "reason": "no contract with id 'con_unknown' exists",
        },
    ]
    assert stored(engine, merchant.tenant_id) == {}
    # nothing of the refused batch was kept: the good event is new when it comes again
    assert report(merchant, {"events": [good]})["event_ids_stored"] == ["a-0"]


def test_field_rules_name_the_field(merchant: Merchant) -> None:
    ids = cloud(merchant)
    cases = [
        ({"quantity": "-1"}, "/quantity"),
        ({"quantity": "0.0000000000001"}, "/quantity"),
        ({"quantity": "1000000000000.5"}, "/quantity"),
        ({"quantity": True}, "/quantity"),
        ({"event_id": "évènement"}, "/event_id"),
        ({"event_id": "x" * 101}, "/event_id"),
        ({"event_id": ""}, "/event_id"),
        ({"timestamp": "1764541800"}, "/timestamp"),
        ({"timestamp": "2026-11-30"}, "/timestamp"),
        ({"timestamp": "yesterday"}, "/timestamp"),
        ({"unique_key": "k" * 201}, "/unique_key"),
        ({"properties": {"nested": {"a": 1}}}, "/properties"),
        ({"properties": {f"k{i}": i for i in range(21)}}, "/properties"),
        ({"colour": "blue"}, "/colour"),
    ]
    for change, pointer in cases:
        body = {**event(ids, "f-1"), **change}
        assert_problem(merchant.post("/v1/usage_events", json=body), 422, pointer)
    missing = {k: v for k, v in event(ids, "f-1").items() if k != "event_id"}
    assert_problem(merchant.post("/v1/usage_events", json=missing), 422, "/event_id")
    extreme = event(ids, "f-2", quantity="1000000000000", properties={"ok": 1.5, "on": None})
    assert report(merchant, extreme)["stored"] == 1
    assert report(merchant, event(ids, "f-3", quantity="0.000000000001"))["stored"] == 1


def test_batches_hold_1_to_1000_events(merchant: Merchant) -> None:
    ids = cloud(merchant)
    too_many = {"events": [event(ids, f"m-{i}") for i in range(1001)]}
    assert_problem(merchant.post("/v1/usage_events", json=too_many), 422, "/events")
    assert_problem(merchant.post("/v1/usage_events", json={"events": []}), 422, "/events")
    full = {"events": [event(ids, f"m-{i}") for i in range(1000)]}
    assert report(merchant, full)["stored"] == 1000
    calls = line(usage_of(merchant, ids), ids["calls"])
    assert (calls["event_count"], calls["quantity"], calls["billable_quantity"]) == (
        1000,
        "1000",
        "0",
    )


def test_timestamps_without_offset_are_local_time(merchant: Merchant, engine: Engine) -> None:
    ids = cloud(merchant)
    merchant.post("/v1/clock/advance", json={"to": "2026-12-02T10:00:00+01:00"})
    body = {
        "events": [
            event(ids, "tz-1", timestamp="2026-11-30T23:30:00", quantity="1"),  # Nov 30 local
            event(ids, "tz-2", timestamp="2026-12-01T00:30:00", quantity="10"),  # Dec 1 local
            event(ids, "tz-3", timestamp="2026-11-30T23:30:00Z", quantity="100"),  # Dec 1 local
        ]
    }
    assert report(merchant, body)["stored"] == 3
    rows = stored(engine, merchant.tenant_id)
    assert rows["tz-1"]["occurred_at"] == datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    assert rows["tz-2"]["occurred_at"] == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert rows["tz-3"]["occurred_at"] == datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    november = usage_of(merchant, ids, "2026-11-30")
    assert (november["period_start"], november["period_end"]) == ("2026-11-01", "2026-12-01")
    assert line(november, ids["calls"])["quantity"] == "1"
    december = usage_of(merchant, ids)  # today: 2026-12-02
    assert december["on"] == "2026-12-02"
    assert (december["period_start"], december["period_end"]) == ("2026-12-01", "2027-01-01")
    assert line(december, ids["calls"])["quantity"] == "110"


def test_events_before_the_contract_start_are_refused(merchant: Merchant) -> None:
    ids = cloud(merchant)
    body = event(ids, "s-1", timestamp="2026-11-24T23:59:59+01:00")
    problem = assert_problem(merchant.post("/v1/usage_events", json=body), 422, "/timestamp")
    assert problem["errors"][0]["reason"] == (
        "falls on 2026-11-24, before the contract starts (2026-11-25)"
    )
    # 23:30 UTC on Nov 24 is already Nov 25 in Berlin
    assert report(merchant, event(ids, "s-2", timestamp="2026-11-24T23:30:00Z"))["stored"] == 1


def test_events_from_the_end_of_the_contract_on_are_refused(merchant: Merchant) -> None:
    ids = cloud(merchant)
    merchant.post("/v1/clock/advance", json={"to": "2026-11-28T10:00:00+01:00"})
    post(
        merchant,
        "/v1/orders",
        {"type": "cancel", "contract_id": ids["contract"], "kind": "immediate"},
    )
    late = event(ids, "end-1", timestamp="2026-11-28T00:10:00+01:00")
    problem = assert_problem(merchant.post("/v1/usage_events", json=late), 422, "/timestamp")
    assert problem["errors"][0]["reason"] == (
        "falls on 2026-11-28, on or after the contract's end (2026-11-28)"
    )
    last_day = event(ids, "end-2", timestamp="2026-11-27T23:50:00+01:00")
    assert report(merchant, last_day)["stored"] == 1


def test_events_in_the_future_are_refused(merchant: Merchant) -> None:
    ids = cloud(merchant)  # the tenant clock reads 2026-11-25T10:00:00+01:00
    ahead = event(ids, "fu-1", timestamp="2026-11-25T09:05:01Z")
    problem = assert_problem(merchant.post("/v1/usage_events", json=ahead), 422, "/timestamp")
    assert problem["errors"][0]["reason"].startswith("lies more than 5 minutes in the future")
    assert report(merchant, event(ids, "fu-2", timestamp="2026-11-25T10:05:00"))["stored"] == 1


def test_late_events_within_and_after_the_grace_period(merchant: Merchant) -> None:
    ids = cloud(merchant)
    november = "2026-11-30T12:00:00+01:00"
    merchant.post("/v1/clock/advance", json={"to": "2026-12-03T23:59:00+01:00"})
    # the November period ended on Nov 30; 3 days of grace (the default) run to Dec 3
    assert report(merchant, event(ids, "g-1", timestamp=november))["stored"] == 1
    merchant.post("/v1/clock/advance", json={"to": "2026-12-04T00:00:00+01:00"})
    problem = assert_problem(
        merchant.post("/v1/usage_events", json=event(ids, "g-2", timestamp=november)),
        422,
        "/timestamp",
    )
    assert problem["errors"][0]["reason"] == (
        "the billing period ended on 2026-11-30 and its grace period of 3 days is over"
    )
    # a retry of what was stored in time is still a harmless duplicate
    retry = {"events": [event(ids, "g-1", timestamp=november), event(ids, "g-3")]}
    problem = assert_problem(merchant.post("/v1/usage_events", json=retry), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/events/1/timestamp"]
    retry["events"][1]["timestamp"] = "2026-12-01T08:00:00+01:00"
    assert report(merchant, retry) == {
        "received": 2,
        "stored": 1,
        "duplicates": 1,
        "event_ids_stored": ["g-3"],
    }
    # a longer grace period set by the merchant lets the late event in
    response = merchant.patch("/v1/billing_settings", json={"usage_grace_days": 5})
    assert response.status_code == 200, response.text
    assert report(merchant, event(ids, "g-2", timestamp=november))["stored"] == 1


def test_components_must_be_metered_and_of_the_contract(merchant: Merchant) -> None:
    ids = cloud(merchant)
    seats = event(ids, "c-1", "seats")
    problem = assert_problem(merchant.post("/v1/usage_events", json=seats), 422, "/component_id")
    assert problem["errors"][0]["reason"] == (
        "is not a metered component (its charge type is recurring)"
    )
    elsewhere = event(ids, "c-2", "elsewhere")
    problem = assert_problem(
        merchant.post("/v1/usage_events", json=elsewhere), 422, "/component_id"
    )
    assert problem["errors"][0]["reason"] == (
        "is neither included in nor an add-on of the contract's plan, nor an item of the contract"
    )
    # an add-on the contract does not hold (yet) is fine
    assert report(merchant, event(ids, "c-3", "storage"))["stored"] == 1


def test_other_tenants_contracts_do_not_exist(merchant: Merchant, other_merchant: Merchant) -> None:
    ids = cloud(merchant)
    theirs = cloud(other_merchant)
    problem = assert_problem(
        other_merchant.post("/v1/usage_events", json=event(ids, "t-1")), 422, "/contract_id"
    )
    assert problem["errors"][0]["reason"] == f"no contract with id '{ids['contract']}' exists"
    mixed = {**event(theirs, "t-1"), "component_id": ids["calls"]}
    assert_problem(other_merchant.post("/v1/usage_events", json=mixed), 422, "/component_id")
    assert_problem(other_merchant.get(f"/v1/contracts/{ids['contract']}/usage"), 404)
    # event ids are per merchant: the same id is new for another merchant
    assert report(merchant, event(ids, "t-1"))["stored"] == 1
    assert report(other_merchant, event(theirs, "t-1"))["stored"] == 1


def test_summary_aggregates_and_prices_the_period(merchant: Merchant) -> None:
    ids = cloud(merchant)
    merchant.post("/v1/clock/advance", json={"to": "2026-12-02T10:00:00+01:00"})

    def at(day: int, hour: int = 12) -> str:
        return f"2026-11-{day:02d}T{hour:02d}:00:00+01:00"

    events = [
        event(ids, "s-1", quantity="700", timestamp=at(26)),
        event(ids, "s-2", quantity="500", timestamp=at(30, 23)),
        event(ids, "s-3", quantity="900", timestamp="2026-12-01T09:00:00+01:00"),  # December
        event(ids, "s-4", "storage", quantity="3.5", timestamp=at(26)),
        event(ids, "s-5", "storage", quantity="7.25", timestamp=at(27)),
        event(ids, "s-6", "storage", quantity="5", timestamp=at(28)),
        event(ids, "s-7", "users", unique_key="u1", timestamp=at(26)),
        event(ids, "s-8", "users", unique_key="u2", timestamp=at(27)),
        event(ids, "s-9", "users", unique_key="u1", timestamp=at(28)),
        event(ids, "s-10", "users", unique_key="u3", timestamp=at(29)),
        event(ids, "s-11", "users", timestamp=at(29)),  # no key: not counted
    ]
    assert report(merchant, {"events": events})["stored"] == 11
    summary = usage_of(merchant, ids, "2026-11-25")
    assert summary["contract_id"] == ids["contract"]
    assert (summary["on"], summary["period_start"], summary["period_end"]) == (
        "2026-11-25",
        "2026-11-01",
        "2026-12-01",
    )
    assert summary["currency"] == "EUR"
    assert summary["components"] == [
        {
            "component_id": ids["calls"],
            "name": "API-Aufrufe",
            "unit_name": "call",
            "aggregation": "sum",
            "event_count": 2,
            "quantity": "1200",
            "included_quantity": "1000",
            "billable_quantity": "200",
            "amount": 1000,  # 200 x 0.05 EUR
            "currency": "EUR",
        },
        {
            "component_id": ids["users"],
            "name": "Aktive Nutzer",
            "unit_name": None,
            "aggregation": "unique_count",
            "event_count": 5,
            "quantity": "3",
            "included_quantity": "2",
            "billable_quantity": "1",
            "amount": 300,
            "currency": "EUR",
        },
        {
            "component_id": ids["storage"],
            "name": "Speicher",
            "unit_name": "GB",
            "aggregation": "max",
            "event_count": 3,
            "quantity": "7.25",
            "included_quantity": "0",
            "billable_quantity": "7.25",
            "amount": 73,  # 0.725 EUR, rounded half up
            "currency": "EUR",
        },
    ]
    december = line(usage_of(merchant, ids), ids["calls"])
    assert (december["quantity"], december["billable_quantity"], december["amount"]) == (
        "900",
        "0",
        0,
    )
    assert_problem(merchant.get(f"/v1/contracts/{ids['contract']}/usage?on=30.11.2026"), 422)
    assert_problem(merchant.get("/v1/contracts/con_unknown/usage"), 404)


def test_usage_is_documented(merchant: Merchant) -> None:
    spec = merchant.client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/usage_events"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    single, batch = schema["anyOf"]
    assert single["required"] == ["event_id", "contract_id", "component_id", "timestamp"]
    assert "format" not in single["properties"]["timestamp"]  # the offset may be left out
    assert batch["properties"]["events"]["maxItems"] == 1000
    assert "/v1/contracts/{contract_id}/usage" in spec["paths"]
