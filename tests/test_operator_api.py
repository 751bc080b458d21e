from fastapi.testclient import TestClient

from tests.conftest import OPERATOR_KEY, assert_problem

OPERATOR = {"Authorization": f"Bearer {OPERATOR_KEY}"}
NEW_TENANT = {
    "company_name": "Verlag Nord GmbH",
    "street": "Speicherstadt",
    "house_number": "5",
    "postcode": "20457",
    "city": "Hamburg",
    "country": "DE",
    "vat_id": "DE136695976",
}


def test_operator_creates_a_tenant_with_a_working_key(client: TestClient) -> None:
    response = client.post("/operator/v1/tenants", json=NEW_TENANT, headers=OPERATOR)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mode"] == "live" and body["timezone"] == "Europe/Berlin"
    secret = body["api_key"]["secret"]
    me = client.get("/v1/tenant", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["id"] == body["id"]
    fetched = client.get(f"/operator/v1/tenants/{body['id']}", headers=OPERATOR)
    assert fetched.json()["company_name"] == "Verlag Nord GmbH"
    listed = client.get("/operator/v1/tenants?limit=100", headers=OPERATOR).json()
    assert body["id"] in {t["id"] for t in listed["data"]}


def test_operator_tenant_creation_is_idempotent(client: TestClient) -> None:
    headers = {**OPERATOR, "Idempotency-Key": "tenant-nord"}
    first = client.post("/operator/v1/tenants", json=NEW_TENANT, headers=headers)
    second = client.post("/operator/v1/tenants", json=NEW_TENANT, headers=headers)
    assert first.json()["id"] == second.json()["id"]


def test_operator_api_refuses_bad_input_and_tenant_keys(client: TestClient, merchant) -> None:
    assert_problem(
        client.post("/operator/v1/tenants", json={**NEW_TENANT, "country": "XX"}, headers=OPERATOR),
        422,
        "/country",
    )
    assert_problem(
        client.post(
            "/operator/v1/tenants", json={**NEW_TENANT, "timezone": "Mars"}, headers=OPERATOR
        ),
        422,
        "/timezone",
    )
    assert_problem(client.get("/operator/v1/tenants", headers=merchant.headers), 401)
    assert_problem(client.get("/operator/v1/tenants/ten_nope", headers=OPERATOR), 404)


def test_operator_api_is_disabled_without_a_key(settings, engine, wall_clock) -> None:
    from turnus.api.app import create_app

    app = create_app(
        settings.model_copy(update={"operator_key": None}), engine=engine, wall_clock=wall_clock
    )
    with TestClient(app) as client:
        body = assert_problem(client.get("/operator/v1/tenants", headers=OPERATOR), 401)
    assert "TURNUS_OPERATOR_KEY" in body["detail"]
