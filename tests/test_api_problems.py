"""Every error class answers as RFC 9457 problem+json, and never leaks a traceback."""

from fastapi import APIRouter

from tests.conftest import Merchant, assert_problem
from turnus.api.routing import TenantRoute


def test_unknown_endpoint_is_a_404_problem(merchant: Merchant) -> None:
    body = assert_problem(merchant.get("/v1/nothing-here"), 404)
    assert "GET /v1/nothing-here" in body["detail"]


def test_wrong_method_is_a_405_problem(merchant: Merchant) -> None:
    body = assert_problem(merchant.client.delete("/v1/tenant", headers=merchant.headers), 405)
    assert "DELETE" in body["detail"]


def test_non_json_body_is_a_415_problem(merchant: Merchant) -> None:
    response = merchant.post(
        "/v1/api_keys",
        content=b"name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)


def test_body_too_large_is_a_413_problem(merchant: Merchant) -> None:
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    response = merchant.post(
        "/v1/api_keys", content=big, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_unknown_fields_are_refused_by_name(merchant: Merchant) -> None:
    body = assert_problem(
        merchant.post("/v1/api_keys", json={"name": "x", "colour": "red"}), 422, "/colour"
    )
    assert body["errors"][0]["reason"] == "unknown field"
    assert body["errors"][0]["location"] == "body"


def test_missing_and_invalid_fields_are_named(merchant: Merchant) -> None:
    assert_problem(merchant.post("/v1/api_keys", json={}), 422, "/name")
    assert_problem(merchant.post("/v1/api_keys", json={"name": ""}), 422, "/name")


def test_malformed_json_is_a_422_problem(merchant: Merchant) -> None:
    response = merchant.post(
        "/v1/api_keys", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 422, "")
    assert body["errors"][0]["reason"] == "the body is not valid JSON"


def test_undecodable_body_is_a_422_problem(merchant: Merchant) -> None:
    response = merchant.post(
        "/v1/api_keys", content=b"\x80\x81{}", headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 422, "")
    assert body["errors"][0]["reason"] == "the body is not valid JSON in UTF-8"


def test_bad_query_parameter_is_named(merchant: Merchant) -> None:
    body = assert_problem(merchant.get("/v1/api_keys?limit=0"), 422, "/limit")
    assert body["errors"][0]["location"] == "query"


def test_server_errors_leak_nothing(app, merchant: Merchant) -> None:
    router = APIRouter(route_class=TenantRoute)

    @router.get("/v1/_boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(router)
    response = merchant.get("/v1/_boom")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text
    assert body["type"] == "/problems/internal-error"


def test_failed_request_changes_nothing(merchant: Merchant) -> None:
    before = merchant.get("/v1/tenant").json()
    assert_problem(
        merchant.patch("/v1/tenant", json={"city": "Hamburg", "country": "XX"}), 422, "/country"
    )
    assert merchant.get("/v1/tenant").json() == before
    audit = merchant.get("/v1/audit_events?object_type=tenant&action=updated").json()
    assert audit["data"] == []


def test_every_response_carries_a_request_id(merchant: Merchant) -> None:
    generated = merchant.get("/v1/tenant")
    assert generated.headers["x-request-id"].startswith("req_")
    echoed = merchant.get("/v1/tenant", headers={"X-Request-Id": "crm-42"})
    assert echoed.headers["x-request-id"] == "crm-42"
    hostile = merchant.get("/v1/tenant", headers={"X-Request-Id": "a b\x7f" * 30})
    assert hostile.headers["x-request-id"].startswith("req_")
    assert merchant.get("/v1/nothing").headers["x-request-id"]


def test_constraint_violations_from_races_are_conflicts(app, merchant: Merchant) -> None:
    from sqlalchemy import insert

    from turnus.api.deps import Context
    from turnus.store.customer_tables import customers

    router = APIRouter(route_class=TenantRoute)

    @router.post("/v1/_duplicate")
    def duplicate(ctx: Context) -> None:
        # what a lost race looks like: the write hits a primary key that already exists
        row = {
            "tenant_id": ctx.tenant_id,
            "id": "cus_x",
            "kind": "person",
            "email": "a@b.de",
            "locale": "de",
            "billing_address": {},
            "tax_status": "consumer",
            "tax_exempt": False,
            "vat_id_missing": False,
            "custom_fields": {},
            "tags": [],
            "created_at": ctx.now(),
            "updated_at": ctx.now(),
        }
        ctx.uow.connection.execute(insert(customers), [row])
        ctx.uow.connection.execute(insert(customers), [row])

    app.include_router(router)
    body = assert_problem(merchant.post("/v1/_duplicate", json={}), 409)
    assert body["type"] == "/problems/conflict"
    assert merchant.get("/v1/customers").json()["data"] == []
