"""Customers through the API: profiles, validation, personal prices and discounts, isolation.

The tenant clock of the test merchants stands at 2026-11-25 10:00 (Europe/Berlin), so "today"
is 2026-11-25 in every expectation below."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from tests.conftest import TEST_ACTOR, Merchant, assert_problem
from turnus.services import customer_discounts, customer_prices
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock

TENANT_NOW = "2026-11-25T10:00:00+01:00"


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


ADDRESS = {
    "street": "Hauptstraße",
    "house_number": "5",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
}
PERSON = {
    "kind": "person",
    "first_name": "Erika",
    "last_name": "Mustermann",
    "email": "erika@example.com",
    "billing_address": ADDRESS,
    "tax_status": "consumer",
}
COMPANY = {
    "kind": "company",
    "company_name": "Exemple SARL",
    "email": "compta@exemple.fr",
    "billing_address": {
        "street": "Rue de Rivoli",
        "house_number": "10",
        "postcode": "75001",
        "city": "Paris",
        "country": "fr",
    },
    "tax_status": "business",
    "vat_id": "fr 40 303 265 045",
    "locale": "en",
}


def create(merchant: Merchant, body: dict) -> dict:
    response = merchant.post("/v1/customers", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def events(merchant: Merchant, **query: str) -> list[dict]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    response = merchant.get(f"/v1/audit_events?{params}&limit=100")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def catalog(merchant: Merchant) -> dict[str, str]:
    """A product with a plan, a monthly variant at EUR 14.90 and a per-unit component."""
    product = merchant.post("/v1/products", json={"name_de": "Kaffee", "kind": "physical"}).json()
    plan = merchant.post("/v1/plans", json={"product_id": product["id"], "name_de": "Abo"}).json()
    variant = merchant.post(
        "/v1/plan_variants",
        json={
            "plan_id": plan["id"],
            "name_de": "monatlich",
            "billing_interval": {"unit": "month"},
            "prices": [{"currency": "EUR", "amount": "14.90"}],
        },
    )
    assert variant.status_code == 201, variant.text
    component = merchant.post(
        "/v1/components",
        json={
            "product_id": product["id"],
            "name_de": "Box",
            "charge_type": "recurring",
            "prices": [{"currency": "EUR", "model": "per_unit", "amount": "6.90"}],
        },
    )
    assert component.status_code == 201, component.text
    return {
        "plan": plan["id"],
        "variant": variant.json()["id"],
        "component": component.json()["id"],
    }


@contextmanager
def service_ctx(
    engine: Engine, wall_clock: FixedWallClock, merchant: Merchant
) -> Iterator[TenantContext]:
    """The merchant's context for calling services directly, as billing will."""
    with UnitOfWork(engine) as uow:
        yield TenantContext(
            uow=uow, tenant_id=merchant.tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock
        )


# -- customers ----------------------------------------------------------------------------


def test_create_and_read_a_person_and_a_company(merchant: Merchant) -> None:
    person = create(
        merchant,
        {
            **PERSON,
            "phone": " +49 (30) 1234-567 ",
            "tags": ["vip", "vip", " print "],
            "custom_fields": {"source": "newsletter"},
            "external_id": "crm-1",
            "notes": "Ruft gern an.",
            "shipping_address": {**ADDRESS, "street": "Torstraße", "recipient": "Max"},
        },
    )
    assert person["id"].startswith("cus_")
    assert person["locale"] == "de"  # the merchant's default
    assert person["tags"] == ["vip", "print"]
    assert person["phone"] == "+49 (30) 1234-567"
    assert person["billing_address"] == {**ADDRESS, "address_line_2": None}
    assert person["shipping_address"]["recipient"] == "Max"
    assert person["vat_id"] is None and person["vat_id_check"] is None
    assert person["vat_id_missing"] is False
    assert person["tax_exempt"] is False and person["archived_at"] is None
    assert instant(person["created_at"]) == instant(TENANT_NOW)
    assert person["updated_at"] == person["created_at"]
    assert merchant.get(f"/v1/customers/{person['id']}").json() == person

    company = create(merchant, COMPANY)
    assert company["locale"] == "en"
    assert company["vat_id"] == "FR40303265045"
    assert company["billing_address"]["country"] == "FR"
    assert company["vat_id_check"] == {
        "valid": True,
        "method": "format_and_check_digits",
        "country": "FR",
        "eu": True,
        "checked_at": TENANT_NOW,
    }
    assert company["vat_id_missing"] is False

    created = events(merchant, object_type="customer", action="created")
    assert {e["object_id"] for e in created} == {person["id"], company["id"]}
    assert_problem(merchant.get("/v1/customers/cus_nope"), 404)


def test_an_eu_business_abroad_without_vat_id_is_allowed_but_flagged(merchant: Merchant) -> None:
    flagged = create(merchant, {**COMPANY, "vat_id": None})
    assert flagged["vat_id_missing"] is True and flagged["vat_id_check"] is None
    domestic = create(
        merchant, {**COMPANY, "vat_id": None, "billing_address": ADDRESS, "email": "a@b.de"}
    )
    assert domestic["vat_id_missing"] is False
    fixed = merchant.patch(f"/v1/customers/{flagged['id']}", json={"vat_id": "FR40303265045"})
    assert fixed.json()["vat_id_missing"] is False
    assert fixed.json()["vat_id_check"]["country"] == "FR"


def test_a_british_vat_id_keeps_its_prefix(merchant: Merchant) -> None:
    customer = create(
        merchant,
        {
            **COMPANY,
            "vat_id": "GB 980 7806 84",
            "billing_address": {
                "street": "High Street",
                "postcode": "SW1A 1AA",
                "city": "London",
                "country": "GB",
            },
        },
    )
    assert customer["vat_id"] == "GB980780684"
    assert customer["vat_id_check"]["country"] == "GB"
    assert customer["vat_id_check"]["eu"] is False


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"first_name": " "}, "/first_name"),
        ({"kind": "company"}, "/company_name"),
        ({"email": "no-at-sign"}, "/email"),
        ({"phone": "call me"}, "/phone"),
        ({"locale": "fr"}, "/locale"),
        ({"locale": ""}, "/locale"),
        ({"vat_id": "DE136695977"}, "/vat_id"),
        ({"tax_exempt": True}, "/tax_exempt_reason"),
        ({"tax_status": "private"}, "/tax_status"),
        ({"billing_address": {**ADDRESS, "postcode": "1011"}}, "/billing_address/postcode"),
        ({"billing_address": {**ADDRESS, "country": "XX"}}, "/billing_address/country"),
        ({"billing_address": {**ADDRESS, "street": ""}}, "/billing_address/street"),
        ({"billing_address": {**ADDRESS, "recipient": "Max"}}, "/billing_address/recipient"),
        (
            {"billing_address": {"street": "x", "city": "y", "country": "DE"}},
            "/billing_address/postcode",
        ),
        ({"billing_address": None}, "/billing_address"),
        ({"shipping_address": {**ADDRESS, "city": " "}}, "/shipping_address/city"),
        ({"custom_fields": {"k" * 41: "v"}}, f"/custom_fields/{'k' * 41}"),
        ({"custom_fields": {"source": "v" * 501}}, "/custom_fields/source"),
        ({"custom_fields": {"source": 7}}, "/custom_fields/source"),
        ({"custom_fields": {f"k{i}": "v" for i in range(51)}}, "/custom_fields"),
        ({"tags": [f"t{i}" for i in range(31)]}, "/tags"),
        ({"tags": ["x" * 41]}, "/tags/0"),
        ({"notes": "n" * 10_001}, "/notes"),
        ({"external_id": "e" * 101}, "/external_id"),
        ({"nickname": "E"}, "/nickname"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    merchant: Merchant, changes: dict, pointer: str
) -> None:
    body = {**PERSON, **changes}
    problem = assert_problem(merchant.post("/v1/customers", json=body), 422, pointer)
    assert all(e["location"] == "body" for e in problem["errors"])
    assert merchant.get("/v1/customers?include_archived=true").json()["data"] == []
    assert events(merchant, object_type="customer") == []


def test_every_bad_field_is_named_at_once(merchant: Merchant) -> None:
    problem = assert_problem(
        merchant.post(
            "/v1/customers",
            json={
                **PERSON,
                "first_name": " ",
                "email": "no-at-sign",
                "vat_id": "DE136695977",
                "billing_address": {**ADDRESS, "postcode": "1011"},
                "tax_exempt": True,
                "custom_fields": {"a/b": "v" * 501},
                "phone": "call me",
            },
        ),
        422,
    )
    assert [e["pointer"] for e in problem["errors"]] == [
        "/first_name",
        "/email",
        "/phone",
        "/billing_address/postcode",
        "/vat_id",
        "/tax_exempt_reason",
        "/custom_fields/a~1b",
    ]


def test_patch_replaces_addresses_and_keeps_the_vat_check(merchant: Merchant) -> None:
    company = create(
        merchant,
        {
            **COMPANY,
            "shipping_address": {**COMPANY["billing_address"], "recipient": "Lager"},
            "phone": "+33 1 23 45 67 89",
        },
    )
    moved = merchant.patch(
        f"/v1/customers/{company['id']}",
        json={
            "billing_address": {
                "street": "Avenue Foch",
                "postcode": "75016",
                "city": "Paris",
                "country": "FR",
            },
            "shipping_address": None,
            "phone": None,
            "notes": "umgezogen",
        },
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["billing_address"] == {
        "street": "Avenue Foch",
        "house_number": None,
        "postcode": "75016",
        "city": "Paris",
        "country": "FR",
        "address_line_2": None,
    }
    assert body["shipping_address"] is None and body["phone"] is None
    assert body["notes"] == "umgezogen"
    assert body["vat_id_check"] == company["vat_id_check"]
    events_after = events(merchant, object_id=company["id"])
    assert [e["action"] for e in events_after] == ["updated", "created"]
    assert events_after[0]["before"]["billing_address"]["street"] == "Rue de Rivoli"
    assert events_after[0]["after"]["billing_address"]["street"] == "Avenue Foch"
    changed = merchant.patch(
        f"/v1/customers/{company['id']}", json={"vat_id": "DE136695976"}
    ).json()
    assert changed["vat_id"] == "DE136695976"
    assert changed["vat_id_check"]["country"] == "DE"


def test_refused_patches_change_nothing(merchant: Merchant) -> None:
    company = create(merchant, COMPANY)
    path = f"/v1/customers/{company['id']}"
    for body, pointer in (
        ({"email": None}, "/email"),
        ({"tags": None}, "/tags"),
        ({"vat_id": "FR00000000000"}, "/vat_id"),
        ({"kind": "person"}, "/first_name"),
        (
            {"billing_address": {"street": "Rue", "city": "Paris", "country": "FR"}},
            "/billing_address/postcode",
        ),
        ({"tax_exempt": True}, "/tax_exempt_reason"),
        ({"custom_fields": {"x": "y" * 501}}, "/custom_fields/x"),
        ({"shipping_address": {**ADDRESS, "postcode": "ABCDE"}}, "/shipping_address/postcode"),
    ):
        assert_problem(merchant.patch(path, json=body), 422, pointer)
    assert merchant.get(path).json() == company
    assert [e["action"] for e in events(merchant, object_id=company["id"])] == ["created"]
    assert_problem(merchant.patch("/v1/customers/cus_nope", json={"notes": "x"}), 404)


def test_ending_a_tax_exemption_drops_its_reason(merchant: Merchant) -> None:
    customer = create(
        merchant, {**PERSON, "tax_exempt": True, "tax_exempt_reason": "Diplomat (§ 4 Nr. 7)"}
    )
    assert customer["tax_exempt_reason"] == "Diplomat (§ 4 Nr. 7)"
    ended = merchant.patch(f"/v1/customers/{customer['id']}", json={"tax_exempt": False}).json()
    assert ended["tax_exempt"] is False and ended["tax_exempt_reason"] is None
    assert_problem(
        merchant.patch(f"/v1/customers/{customer['id']}", json={"tax_exempt_reason": "x"}),
        422,
        "/tax_exempt_reason",
    )


def test_external_ids_are_unique_per_merchant(merchant: Merchant, other_merchant: Merchant) -> None:
    first = create(merchant, {**PERSON, "external_id": "crm-1"})
    second = create(merchant, {**PERSON, "external_id": "crm-2"})
    assert_problem(merchant.post("/v1/customers", json={**PERSON, "external_id": "crm-1"}), 409)
    assert_problem(
        merchant.patch(f"/v1/customers/{second['id']}", json={"external_id": "crm-1"}), 409
    )
    assert merchant.get(f"/v1/customers/{second['id']}").json()["external_id"] == "crm-2"
    assert ids(merchant.get("/v1/customers")) == [second["id"], first["id"]]
    unchanged = merchant.patch(f"/v1/customers/{first['id']}", json={"external_id": "crm-1"})
    assert unchanged.status_code == 200
    create(other_merchant, {**PERSON, "external_id": "crm-1"})  # another merchant: fine


def test_lists_page_newest_first_and_filter(merchant: Merchant) -> None:
    a = create(merchant, {**PERSON, "external_id": "crm-a", "tags": ["print"]})
    b = create(merchant, {**PERSON, "email": "max@example.com", "tags": ["digital", "print"]})
    c = create(merchant, {**PERSON, "email": "lena@example.com", "tags": ["digital"]})
    first_page = merchant.get("/v1/customers?limit=2").json()
    assert [x["id"] for x in first_page["data"]] == [c["id"], b["id"]]
    assert first_page["has_more"] is True
    second_page = merchant.get(f"/v1/customers?limit=2&starting_after={b['id']}").json()
    assert [x["id"] for x in second_page["data"]] == [a["id"]]
    assert second_page["has_more"] is False

    assert ids(merchant.get("/v1/customers?email=max@example.com")) == [b["id"]]
    assert ids(merchant.get("/v1/customers?external_id=crm-a")) == [a["id"]]
    assert ids(merchant.get("/v1/customers?tag=print")) == [b["id"], a["id"]]
    assert ids(merchant.get("/v1/customers?tag=print&limit=1")) == [b["id"]]
    assert ids(merchant.get(f"/v1/customers?tag=print&starting_after={b['id']}")) == [a["id"]]
    assert ids(merchant.get("/v1/customers?tag=digital&email=lena@example.com")) == [c["id"]]
    assert ids(merchant.get("/v1/customers?tag=unknown")) == []

    merchant.patch(f"/v1/customers/{a['id']}", json={"tags": ["digital"]})
    assert ids(merchant.get("/v1/customers?tag=print")) == [b["id"]]
    assert ids(merchant.get("/v1/customers?tag=digital")) == [c["id"], b["id"], a["id"]]
    assert_problem(merchant.get("/v1/customers?limit=0"), 422, "/limit")


def test_archiving_keeps_the_customer_readable_and_frozen(merchant: Merchant) -> None:
    customer = create(merchant, {**PERSON, "tags": ["print"]})
    other = create(merchant, PERSON)
    archived = merchant.post(f"/v1/customers/{customer['id']}/archive")
    assert archived.status_code == 200, archived.text
    assert instant(archived.json()["archived_at"]) == instant(TENANT_NOW)
    again = merchant.post(f"/v1/customers/{customer['id']}/archive")
    assert again.json() == archived.json()
    assert merchant.get(f"/v1/customers/{customer['id']}").json() == archived.json()
    assert ids(merchant.get("/v1/customers")) == [other["id"]]
    assert ids(merchant.get("/v1/customers?include_archived=true")) == [other["id"], customer["id"]]
    assert ids(merchant.get("/v1/customers?tag=print")) == []
    assert ids(merchant.get("/v1/customers?tag=print&include_archived=true")) == [customer["id"]]
    assert_problem(merchant.patch(f"/v1/customers/{customer['id']}", json={"notes": "x"}), 409)
    assert [e["action"] for e in events(merchant, object_id=customer["id"])] == [
        "archived",
        "created",
    ]
    deleted = merchant.client.delete(f"/v1/customers/{customer['id']}", headers=merchant.headers)
    assert_problem(deleted, 405)
    assert_problem(merchant.post("/v1/customers/cus_nope/archive"), 404)


def test_creating_is_idempotent(merchant: Merchant) -> None:
    headers = {"Idempotency-Key": "create-erika-1"}
    first = merchant.post("/v1/customers", json=PERSON, headers=headers)
    replay = merchant.post("/v1/customers", json=PERSON, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert ids(merchant.get("/v1/customers")) == [first.json()["id"]]


# -- personal prices ----------------------------------------------------------------------


def price_body(target_id: str, amount: str, valid_from: str | None = None, **extra) -> dict:
    body = {
        "target_type": "plan_variant",
        "target_id": target_id,
        "prices": [{"currency": "EUR", "amount": amount}],
        **extra,
    }
    if valid_from is not None:
        body["valid_from"] = valid_from
    return body


def test_personal_prices_never_overlap(merchant: Merchant) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/prices"
    created = merchant.post(
        path, json=price_body(items["variant"], "9.90", valid_until="2026-12-31", note="Treue")
    )
    assert created.status_code == 201, created.text
    price = created.json()
    assert price["id"].startswith("cpr_")
    assert price["valid_from"] == "2026-11-25"  # today on the tenant clock
    assert price["valid_until"] == "2026-12-31"
    assert price["prices"] == [
        {"currency": "EUR", "model": "flat", "amount": "9.90", "package_size": None, "tiers": []}
    ]
    # the last day is inclusive: starting on it overlaps, the day after does not
    assert_problem(
        merchant.post(path, json=price_body(items["variant"], "8.90", "2026-12-31")), 409
    )
    assert_problem(
        merchant.post(path, json=price_body(items["variant"], "8.90", "2026-12-01")), 409
    )
    following = merchant.post(path, json=price_body(items["variant"], "8.90", "2027-01-01"))
    assert following.status_code == 201, following.text
    # an open end overlaps everything later
    assert_problem(
        merchant.post(path, json=price_body(items["variant"], "7.90", "2030-01-01")), 409
    )
    # another item of the same customer is independent
    component = merchant.post(
        path,
        json={
            "target_type": "component",
            "target_id": items["component"],
            "prices": [{"currency": "EUR", "model": "per_unit", "amount": "5.50"}],
            "valid_from": "2026-12-01",
        },
    )
    assert component.status_code == 201, component.text

    listed = merchant.get(path).json()["data"]
    assert [p["id"] for p in listed] == [
        component.json()["id"],
        following.json()["id"],
        price["id"],
    ]
    assert ids(merchant.get(f"{path}?target_id={items['variant']}")) == [
        following.json()["id"],
        price["id"],
    ]
    assert ids(merchant.get(f"{path}?limit=1")) == [component.json()["id"]]
    created_events = events(merchant, object_type="customer_price", action="created")
    assert len(created_events) == 3
    assert created_events[-1]["after"]["valid_until"] == "2026-12-31"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"prices": [{"currency": "EUR", "model": "per_unit", "amount": "1"}]}, "/prices/0/model"),
        ({"prices": [{"currency": "CHF", "amount": "1"}]}, "/prices"),
        ({"prices": [{"currency": "EUR", "amount": "-1"}]}, "/prices/0/amount"),
        (
            {"prices": [{"currency": "EUR", "amount": "1"}, {"currency": "EUR", "amount": "2"}]},
            "/prices/1/currency",
        ),
        ({"prices": []}, "/prices"),
        ({"target_id": "var_nope"}, "/target_id"),
        ({"target_type": "plan"}, "/target_type"),
        ({"valid_from": "2026-11-24"}, "/valid_from"),
        ({"valid_from": "2026-12-10", "valid_until": "2026-12-09"}, "/valid_until"),
        ({"discount": "10"}, "/discount"),
    ],
)
def test_refused_personal_prices_change_nothing(
    merchant: Merchant, changes: dict, pointer: str
) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/prices"
    assert_problem(
        merchant.post(path, json={**price_body(items["variant"], "9.90"), **changes}), 422, pointer
    )
    assert merchant.get(path).json()["data"] == []
    assert events(merchant, object_type="customer_price") == []


def test_personal_prices_need_an_active_target_and_customer(merchant: Merchant) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/prices"
    assert merchant.post(f"/v1/components/{items['component']}/archive").status_code == 200
    assert_problem(
        merchant.post(
            path,
            json={
                "target_type": "component",
                "target_id": items["component"],
                "prices": [{"currency": "EUR", "model": "per_unit", "amount": "1"}],
            },
        ),
        422,
        "/target_id",
    )
    # a component id is no plan variant
    assert_problem(merchant.post(path, json=price_body(items["component"], "1")), 422, "/target_id")
    merchant.post(f"/v1/customers/{customer['id']}/archive")
    assert_problem(merchant.post(path, json=price_body(items["variant"], "1")), 409)
    assert_problem(
        merchant.post("/v1/customers/cus_nope/prices", json=price_body(items["variant"], "1")),
        404,
    )
    assert merchant.get(path).json()["data"] == []


def test_ending_a_personal_price(merchant: Merchant, other_merchant: Merchant) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    someone_else = create(merchant, {**PERSON, "first_name": "Max"})
    path = f"/v1/customers/{customer['id']}/prices"
    price = merchant.post(path, json=price_body(items["variant"], "9.90", "2026-12-01")).json()
    end = f"{path}/{price['id']}/end"
    assert_problem(merchant.post(end, json={"valid_until": "2026-11-30"}), 422, "/valid_until")
    assert_problem(
        merchant.post(
            f"/v1/customers/{someone_else['id']}/prices/{price['id']}/end",
            json={"valid_until": "2027-01-31"},
        ),
        404,
    )
    assert_problem(merchant.post(f"{path}/cpr_nope/end", json={"valid_until": "2027-01-31"}), 404)
    assert_problem(
        other_merchant.post(end, json={"valid_until": "2027-01-31"}), 404
    )  # another merchant
    assert merchant.get(path).json()["data"][0]["valid_until"] is None

    ended = merchant.post(end, json={"valid_until": "2027-01-31"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["valid_until"] == "2027-01-31"
    # it can move earlier, down to its first day, but never later again
    assert_problem(merchant.post(end, json={"valid_until": "2027-02-01"}), 422, "/valid_until")
    earliest = merchant.post(end, json={"valid_until": "2026-12-01"})
    assert earliest.json()["valid_until"] == "2026-12-01"
    history = events(merchant, object_id=price["id"])
    assert [e["action"] for e in history] == ["ended", "ended", "created"]
    assert history[0]["before"]["valid_until"] == "2027-01-31"
    assert history[0]["after"]["valid_until"] == "2026-12-01"
    # the freed days can be priced anew
    later = merchant.post(path, json=price_body(items["variant"], "8.90", "2026-12-02"))
    assert later.status_code == 201, later.text


def test_a_running_price_ends_yesterday_at_the_earliest(merchant: Merchant) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/prices"
    price = merchant.post(path, json=price_body(items["variant"], "9.90")).json()
    assert price["valid_from"] == "2026-11-25"
    assert_problem(
        merchant.post(f"{path}/{price['id']}/end", json={"valid_until": "2026-11-24"}),
        422,
        "/valid_until",
    )
    today = merchant.post(f"{path}/{price['id']}/end", json={"valid_until": "2026-11-25"})
    assert today.json()["valid_until"] == "2026-11-25"


def test_price_override_for_picks_the_window_by_date(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    other = create(merchant, {**PERSON, "first_name": "Max"})
    path = f"/v1/customers/{customer['id']}/prices"
    december = price_body(items["variant"], "9.90", "2026-12-01", valid_until="2026-12-31")
    assert merchant.post(path, json=december).status_code == 201
    from_march = price_body(items["variant"], "12.50", "2027-03-01")
    assert merchant.post(path, json=from_march).status_code == 201

    def on(
        day: date, customer_id: str = customer["id"], target: str = items["variant"]
    ) -> list[tuple[str, str, str]] | None:
        """price_override_for, as (currency, model, amount) triples."""
        with service_ctx(engine, wall_clock, merchant) as ctx:
            found = customer_prices.price_override_for(ctx, customer_id, target, day)
        if found is None:
            return None
        return [(p.currency, p.model.value, format(p.amount, "f")) for p in found]

    nine_ninety = [("EUR", "flat", "9.90")]
    assert on(date(2026, 11, 30)) is None  # before the window
    assert on(date(2026, 12, 1)) == nine_ninety  # first day
    assert on(date(2026, 12, 15)) == nine_ninety
    assert on(date(2026, 12, 31)) == nine_ninety  # last day, inclusive
    assert on(date(2027, 1, 1)) is None  # after the window
    assert on(date(2027, 2, 28)) is None
    assert on(date(2027, 3, 1)) == [("EUR", "flat", "12.50")]
    assert on(date(2035, 1, 1)) == [("EUR", "flat", "12.50")]  # open end
    assert on(date(2026, 12, 15), customer_id=other["id"]) is None
    assert on(date(2026, 12, 15), target=items["component"]) is None


# -- personal discounts -------------------------------------------------------------------


def test_personal_discounts(merchant: Merchant) -> None:
    items = catalog(merchant)
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/discounts"
    percent = merchant.post(
        path,
        json={
            "kind": "percent",
            "percent": "12.5",
            "duration": "forever",
            "reason": " Mitarbeiter ",
            "targets": {"plan_ids": [items["plan"]]},
        },
    )
    assert percent.status_code == 201, percent.text
    body = percent.json()
    assert body["id"].startswith("cdi_")
    assert body["percent"] == "12.5" and body["amounts"] == []
    assert body["reason"] == "Mitarbeiter"
    assert body["valid_from"] == "2026-11-25" and body["valid_until"] is None
    assert body["targets"] == {
        "plan_ids": [items["plan"]],
        "variant_ids": [],
        "component_ids": [],
    }
    fixed = merchant.post(
        path,
        json={
            "kind": "fixed_amount",
            "duration": "repeating",
            "duration_periods": 3,
            "reason": "Kulanz",
            "amounts": [{"currency": "EUR", "amount": "2.50"}],
            "valid_from": "2026-12-01",
            "valid_until": "2027-02-28",
        },
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["amounts"] == [{"currency": "EUR", "amount": "2.50"}]
    assert ids(merchant.get(path)) == [fixed.json()["id"], body["id"]]
    assert len(events(merchant, object_type="customer_discount", action="created")) == 2


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"percent": "0"}, "/percent"),
        ({"percent": "150"}, "/percent"),
        ({"percent": None}, "/percent"),
        ({"reason": " "}, "/reason"),
        ({"duration": "repeating"}, "/duration_periods"),
        ({"kind": "fixed_amount", "percent": None}, "/amounts"),
        (
            {
                "kind": "fixed_amount",
                "percent": None,
                "amounts": [{"currency": "EUR", "amount": "2.555"}],
            },
            "/amounts/0/amount",
        ),
        ({"targets": {"variant_ids": ["var_nope"]}}, "/targets/variant_ids/0"),
        ({"valid_from": "2026-11-01"}, "/valid_from"),
        ({"valid_from": "2026-12-10", "valid_until": "2026-12-01"}, "/valid_until"),
        ({"code": "SECRET"}, "/code"),
    ],
)
def test_refused_discounts_change_nothing(merchant: Merchant, changes: dict, pointer: str) -> None:
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/discounts"
    body = {"kind": "percent", "percent": "5", "duration": "once", "reason": "x", **changes}
    assert_problem(merchant.post(path, json=body), 422, pointer)
    assert merchant.get(path).json()["data"] == []
    assert events(merchant, object_type="customer_discount") == []


def test_ending_discounts_and_finding_them_by_date(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/discounts"
    base = {"kind": "percent", "percent": "10", "duration": "forever", "reason": "Treue"}
    early = merchant.post(path, json={**base, "valid_until": "2026-12-31"}).json()
    late = merchant.post(path, json={**base, "percent": "20", "valid_from": "2027-01-01"}).json()
    end = f"{path}/{late['id']}/end"
    assert_problem(merchant.post(end, json={"valid_until": "2026-12-31"}), 422, "/valid_until")
    assert merchant.post(end, json={"valid_until": "2027-06-30"}).json()["valid_until"] == (
        "2027-06-30"
    )
    assert_problem(merchant.post(end, json={"valid_until": "2027-07-01"}), 422, "/valid_until")
    assert [e["action"] for e in events(merchant, object_id=late["id"])] == ["ended", "created"]

    with service_ctx(engine, wall_clock, merchant) as ctx:

        def on(day: date) -> list[tuple[str, str]]:
            return [
                (d.id, format(d.percent, "f"))
                for d in customer_discounts.discounts_on(ctx, customer["id"], day)
            ]

        assert on(date(2026, 11, 24)) == []
        assert on(date(2026, 12, 31)) == [(early["id"], "10")]
        assert on(date(2027, 1, 1)) == [(late["id"], "20")]
        assert on(date(2027, 6, 30)) == [(late["id"], "20")]
        assert on(date(2027, 7, 1)) == []
        found = customer_discounts.discounts_on(ctx, customer["id"], date(2027, 1, 1))[0]
        assert found.code == "CUSTOMER" and found.duration.value == "forever"

    merchant.post(f"/v1/customers/{customer['id']}/archive")
    assert_problem(merchant.post(path, json=base), 409)
    # what was granted can still be ended after archiving
    assert merchant.post(end, json={"valid_until": "2027-03-31"}).status_code == 200


# -- tenant isolation ---------------------------------------------------------------------


def test_customers_are_tenant_isolated(merchant: Merchant, other_merchant: Merchant) -> None:
    theirs = create(other_merchant, {**PERSON, "external_id": "crm-9", "tags": ["vip"]})
    their_items = catalog(other_merchant)
    their_price = other_merchant.post(
        f"/v1/customers/{theirs['id']}/prices", json=price_body(their_items["variant"], "1")
    ).json()
    base = f"/v1/customers/{theirs['id']}"
    assert_problem(merchant.get(base), 404)
    assert_problem(merchant.patch(base, json={"notes": "x"}), 404)
    assert_problem(merchant.post(f"{base}/archive"), 404)
    assert_problem(merchant.get(f"{base}/prices"), 404)
    assert_problem(merchant.get(f"{base}/discounts"), 404)
    assert_problem(
        merchant.post(f"{base}/prices", json=price_body(their_items["variant"], "1")), 404
    )
    assert_problem(
        merchant.post(
            f"{base}/discounts",
            json={"kind": "percent", "percent": "5", "duration": "once", "reason": "x"},
        ),
        404,
    )
    assert_problem(
        merchant.post(f"{base}/prices/{their_price['id']}/end", json={"valid_until": "2027-01-01"}),
        404,
    )
    assert merchant.get("/v1/customers?external_id=crm-9").json()["data"] == []
    assert merchant.get("/v1/customers?tag=vip").json()["data"] == []

    mine = create(merchant, PERSON)
    # another merchant's catalog is invisible: the target does not exist here
    assert_problem(
        merchant.post(
            f"/v1/customers/{mine['id']}/prices", json=price_body(their_items["variant"], "1")
        ),
        422,
        "/target_id",
    )
    assert_problem(
        merchant.post(
            f"/v1/customers/{mine['id']}/discounts",
            json={
                "kind": "percent",
                "percent": "5",
                "duration": "once",
                "reason": "x",
                "targets": {"plan_ids": [their_items["plan"]]},
            },
        ),
        422,
        "/targets/plan_ids/0",
    )
    assert ids(merchant.get("/v1/customers")) == [mine["id"]]
    assert other_merchant.get(base).json()["notes"] is None
    assert [e["action"] for e in events(other_merchant, object_id=theirs["id"])] == ["created"]
