"""Customers through the API: profiles, validation, personal prices and discounts, isolation."""

from datetime import timedelta

from tests.conftest import Merchant, assert_problem

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


def variant_and_component(merchant: Merchant) -> tuple[str, str]:
    product = merchant.post("/v1/products", json={"name_de": "Kaffee", "kind": "physical"}).json()
    plan = merchant.post("/v1/plans", json={"product_id": product["id"], "name_de": "Abo"}).json()
    variant = merchant.post(
        "/v1/plan_variants",
        json={
            "plan_id": plan["id"],
            "name_de": "m",
            "billing_interval": {"unit": "month"},
            "prices": [{"currency": "EUR", "amount": "14.90"}],
        },
    ).json()
    component = merchant.post(
        "/v1/components",
        json={
            "product_id": product["id"],
            "name_de": "Box",
            "charge_type": "recurring",
            "prices": [{"currency": "EUR", "model": "per_unit", "amount": "6.90"}],
        },
    ).json()
    return variant["id"], component["id"]


def test_person_and_company(merchant: Merchant) -> None:
    person = create(
        merchant,
        {**PERSON, "tags": ["vip", "vip", " print "], "custom_fields": {"source": "newsletter"}},
    )
    assert person["locale"] == "de"  # the merchant's default
    assert person["tags"] == ["vip", "print"]
    assert person["billing_address"]["country"] == "DE"
    company = create(merchant, COMPANY)
    assert company["vat_id"] == "FR40303265045"
    assert company["billing_address"]["country"] == "FR"
    assert company["vat_id_check"]["valid"] is True
    assert company["vat_id_check"]["country"] == "FR" and company["vat_id_check"]["eu"] is True
    assert company["vat_id_check"]["method"] == "format_and_check_digits"


def test_bad_input_names_each_field_and_changes_nothing(merchant: Merchant) -> None:
    body = {
        **PERSON,
        "first_name": " ",
        "email": "no-at-sign",
        "vat_id": "DE136695977",
        "billing_address": {**ADDRESS, "postcode": "1011", "country": "XX"},
        "tax_exempt": True,
        "custom_fields": {"k" * 41: "v"},
        "phone": "call me",
    }
    body["billing_address"]["country"] = "DE"
    problem = assert_problem(merchant.post("/v1/customers", json=body), 422)
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {
        "/first_name",
        "/email",
        "/vat_id",
        "/billing_address/postcode",
        "/tax_exempt_reason",
        f"/custom_fields/{'k' * 41}",
        "/phone",
    } <= pointers
    assert_problem(
        merchant.post("/v1/customers", json={**PERSON, "kind": "company"}), 422, "/company_name"
    )
    assert_problem(
        merchant.post(
            "/v1/customers", json={**PERSON, "billing_address": {**ADDRESS, "country": "XX"}}
        ),
        422,
        "/billing_address/country",
    )
    assert_problem(
        merchant.post(
            "/v1/customers",
            json={**PERSON, "billing_address": {"street": "x", "city": "y", "country": "DE"}},
        ),
        422,
        "/billing_address/postcode",
    )
    assert_problem(
        merchant.post("/v1/customers", json={**PERSON, "nickname": "E"}), 422, "/nickname"
    )
    assert merchant.get("/v1/customers").json()["data"] == []
    assert merchant.get("/v1/audit_events?object_type=customer").json()["data"] == []


def test_patch_replaces_addresses_and_keeps_the_vat_check(merchant: Merchant) -> None:
    company = create(merchant, COMPANY)
    moved = merchant.patch(
        f"/v1/customers/{company['id']}",
        json={
            "billing_address": {
                "street": "Avenue Foch",
                "postcode": "75016",
                "city": "Paris",
                "country": "FR",
            },
            "notes": "moved",
        },
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["billing_address"]["street"] == "Avenue Foch"
    assert body["billing_address"]["house_number"] is None
    assert body["vat_id_check"] == company["vat_id_check"]
    assert_problem(
        merchant.patch(f"/v1/customers/{company['id']}", json={"email": None}), 422, "/email"
    )
    assert_problem(
        merchant.patch(f"/v1/customers/{company['id']}", json={"vat_id": "FR00000000000"}),
        422,
        "/vat_id",
    )
    events = merchant.get(f"/v1/audit_events?object_id={company['id']}").json()["data"]
    assert [e["action"] for e in events] == ["updated", "created"]
    assert events[0]["before"]["billing_address"]["street"] == "Rue de Rivoli"


def test_external_ids_are_unique_and_filters_work(merchant: Merchant) -> None:
    first = create(merchant, {**PERSON, "external_id": "crm-1", "tags": ["print"]})
    create(merchant, {**PERSON, "email": "max@example.com", "tags": ["digital"]})
    assert_problem(merchant.post("/v1/customers", json={**PERSON, "external_id": "crm-1"}), 409)
    by_external = merchant.get("/v1/customers?external_id=crm-1").json()["data"]
    assert [c["id"] for c in by_external] == [first["id"]]
    assert [c["id"] for c in merchant.get("/v1/customers?tag=print").json()["data"]] == [
        first["id"]
    ]
    assert len(merchant.get("/v1/customers?email=erika@example.com").json()["data"]) == 1
    archived = merchant.post(f"/v1/customers/{first['id']}/archive").json()
    assert archived["archived_at"] is not None
    assert merchant.get("/v1/customers?tag=print").json()["data"] == []
    assert_problem(merchant.patch(f"/v1/customers/{first['id']}", json={"notes": "x"}), 409)


def test_personal_prices_by_date(merchant: Merchant, wall_clock) -> None:
    variant_id, component_id = variant_and_component(merchant)
    customer = create(merchant, PERSON)
    today = wall_clock.now().date()
    path = f"/v1/customers/{customer['id']}/prices"
    created = merchant.post(
        path,
        json={
            "target_type": "plan_variant",
            "target_id": variant_id,
            "prices": [{"currency": "EUR", "amount": "9.90"}],
            "valid_until": (today + timedelta(days=30)).isoformat(),
            "note": "Treuepreis",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["valid_from"] == today.isoformat()
    overlapping = merchant.post(
        path,
        json={
            "target_type": "plan_variant",
            "target_id": variant_id,
            "valid_from": (today + timedelta(days=30)).isoformat(),
            "prices": [{"currency": "EUR", "amount": "8.90"}],
        },
    )
    assert_problem(overlapping, 409)
    following = merchant.post(
        path,
        json={
            "target_type": "plan_variant",
            "target_id": variant_id,
            "valid_from": (today + timedelta(days=31)).isoformat(),
            "prices": [{"currency": "EUR", "amount": "8.90"}],
        },
    )
    assert following.status_code == 201
    assert_problem(
        merchant.post(
            path,
            json={
                "target_type": "plan_variant",
                "target_id": variant_id,
                "valid_from": (today + timedelta(days=400)).isoformat(),
                "prices": [{"currency": "EUR", "model": "per_unit", "amount": "1"}],
            },
        ),
        422,
        "/prices/0/model",
    )
    assert_problem(
        merchant.post(
            path,
            json={
                "target_type": "component",
                "target_id": component_id,
                "prices": [{"currency": "CHF", "model": "per_unit", "amount": "1"}],
            },
        ),
        422,
        "/prices",
    )
    assert_problem(
        merchant.post(
            path,
            json={
                "target_type": "component",
                "target_id": "cmp_nope",
                "prices": [{"currency": "EUR", "amount": "1"}],
            },
        ),
        422,
        "/target_id",
    )
    ended = merchant.post(
        f"{path}/{created.json()['id']}/end",
        json={"valid_until": (today + timedelta(days=10)).isoformat()},
    )
    assert (
        ended.status_code == 200
        and ended.json()["valid_until"] == (today + timedelta(days=10)).isoformat()
    )
    assert_problem(
        merchant.post(
            f"{path}/{created.json()['id']}/end",
            json={"valid_until": (today - timedelta(days=1)).isoformat()},
        ),
        422,
        "/valid_until",
    )
    assert len(merchant.get(path).json()["data"]) == 2


def test_price_override_for_picks_the_window(merchant: Merchant, engine, wall_clock) -> None:
    from tests.conftest import TEST_ACTOR
    from turnus.services import customer_prices
    from turnus.services.context import TenantContext
    from turnus.services.uow import UnitOfWork

    variant_id, _ = variant_and_component(merchant)
    customer = create(merchant, PERSON)
    today = wall_clock.now().date()
    merchant.post(
        f"/v1/customers/{customer['id']}/prices",
        json={
            "target_type": "plan_variant",
            "target_id": variant_id,
            "valid_from": (today + timedelta(days=5)).isoformat(),
            "valid_until": (today + timedelta(days=9)).isoformat(),
            "prices": [{"currency": "EUR", "amount": "9.90"}],
        },
    )
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(
            uow=uow, tenant_id=merchant.tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock
        )
        found = {
            offset: customer_prices.price_override_for(
                ctx, customer["id"], variant_id, today + timedelta(days=offset)
            )
            for offset in (4, 5, 9, 10)
        }
    assert found[4] is None and found[10] is None
    assert str(found[5][0].amount) == "9.90" and found[9] == found[5]


def test_personal_discounts(merchant: Merchant) -> None:
    customer = create(merchant, PERSON)
    path = f"/v1/customers/{customer['id']}/discounts"
    created = merchant.post(
        path,
        json={"kind": "percent", "percent": "10", "duration": "forever", "reason": "Mitarbeiter"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["percent"] == "10"
    fixed = merchant.post(
        path,
        json={
            "kind": "fixed_amount",
            "duration": "repeating",
            "duration_periods": 3,
            "reason": "Kulanz",
            "amounts": [{"currency": "EUR", "amount": "2.50"}],
        },
    )
    assert fixed.json()["amounts"] == [{"currency": "EUR", "amount": "2.50"}]
    assert_problem(
        merchant.post(
            path, json={"kind": "percent", "percent": "150", "duration": "once", "reason": "x"}
        ),
        422,
        "/percent",
    )
    assert_problem(
        merchant.post(
            path, json={"kind": "percent", "percent": "5", "duration": "once", "reason": " "}
        ),
        422,
        "/reason",
    )
    assert_problem(
        merchant.post(
            path,
            json={
                "kind": "percent",
                "percent": "5",
                "duration": "once",
                "reason": "x",
                "targets": {"variant_ids": ["var_nope"]},
            },
        ),
        422,
        "/targets/variant_ids/0",
    )
    assert len(merchant.get(path).json()["data"]) == 2


def test_customers_are_tenant_isolated(merchant: Merchant, other_merchant: Merchant) -> None:
    theirs = create(other_merchant, PERSON)
    their_variant, _ = variant_and_component(other_merchant)
    assert_problem(merchant.get(f"/v1/customers/{theirs['id']}"), 404)
    assert_problem(merchant.patch(f"/v1/customers/{theirs['id']}", json={"notes": "x"}), 404)
    assert_problem(
        merchant.post(
            f"/v1/customers/{theirs['id']}/prices",
            json={
                "target_type": "plan_variant",
                "target_id": their_variant,
                "prices": [{"currency": "EUR", "amount": "1"}],
            },
        ),
        404,
    )
    mine = create(merchant, PERSON)
    assert_problem(
        merchant.post(
            f"/v1/customers/{mine['id']}/prices",
            json={
                "target_type": "plan_variant",
                "target_id": their_variant,
                "prices": [{"currency": "EUR", "amount": "1"}],
            },
        ),
        422,
        "/target_id",
    )
    assert merchant.get("/v1/customers").json()["data"][0]["id"] == mine["id"]
