from datetime import datetime

from tests.conftest import Merchant, assert_problem


def test_changes_are_audited_with_actor_and_both_times(merchant: Merchant, wall_clock) -> None:
    key = merchant.post(
        "/v1/api_keys", json={"name": "crm"}, headers={"X-Request-Id": "audit-req-1"}
    ).json()
    merchant.post(f"/v1/api_keys/{key['id']}/revoke")
    events = merchant.get(f"/v1/audit_events?object_id={key['id']}").json()["data"]
    assert [e["action"] for e in events] == ["revoked", "created"]
    revoked, created = events
    assert created["actor_type"] == "api_key"
    assert created["request_id"] == "audit-req-1"
    assert created["before"] is None and created["after"]["name"] == "crm"
    assert "secret_hash" not in created["after"]
    assert revoked["before"]["revoked_at"] is None and revoked["after"]["revoked_at"]
    assert datetime.fromisoformat(revoked["wall_time"]) == wall_clock.now()
    assert datetime.fromisoformat(revoked["tenant_time"]) == wall_clock.now()


def test_patch_tenant(merchant: Merchant) -> None:
    response = merchant.patch(
        "/v1/tenant", json={"city": "Hamburg", "postcode": "20095", "vat_id": "DE 136 695 976"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["city"] == "Hamburg"
    assert response.json()["vat_id"] == "DE136695976"
    event = merchant.get("/v1/audit_events?object_type=tenant&action=updated").json()["data"][0]
    assert event["before"]["city"] == "Berlin" and event["after"]["city"] == "Hamburg"


def test_patch_tenant_refuses_nulls_and_mode(merchant: Merchant) -> None:
    assert_problem(merchant.patch("/v1/tenant", json={"company_name": None}), 422, "/company_name")
    assert_problem(merchant.patch("/v1/tenant", json={"mode": "live"}), 422, "/mode")
