"""Authentication and strict tenant isolation."""

from tests.conftest import Merchant, assert_problem


def test_requests_without_a_key_are_refused(client) -> None:
    assert_problem(client.get("/v1/tenant"), 401)
    assert_problem(client.get("/v1/tenant", headers={"Authorization": "Basic abc"}), 401)
    assert_problem(client.get("/v1/tenant", headers={"Authorization": "Bearer tk_live_nope"}), 401)


def test_a_key_sees_its_own_tenant(merchant: Merchant) -> None:
    response = merchant.get("/v1/tenant")
    assert response.status_code == 200
    assert response.json()["id"] == merchant.tenant_id
    assert response.json()["mode"] == "sandbox"


def test_revoked_keys_stop_working(merchant: Merchant) -> None:
    created = merchant.post("/v1/api_keys", json={"name": "temporary"}).json()
    other = {"Authorization": f"Bearer {created['secret']}"}
    assert merchant.client.get("/v1/tenant", headers=other).status_code == 200
    revoked = merchant.post(f"/v1/api_keys/{created['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(merchant.client.get("/v1/tenant", headers=other), 401)
    assert_problem(merchant.post(f"/v1/api_keys/{created['id']}/revoke"), 409)


def test_secret_is_shown_once_and_only_the_prefix_listed(merchant: Merchant) -> None:
    created = merchant.post("/v1/api_keys", json={"name": "crm"}).json()
    assert created["secret"].startswith("tk_sandbox_")
    assert created["secret"].startswith(created["prefix"])
    listed = merchant.get("/v1/api_keys").json()["data"]
    assert all("secret" not in key for key in listed)
    fetched = merchant.get(f"/v1/api_keys/{created['id']}").json()
    assert "secret" not in fetched and fetched["prefix"] == created["prefix"]


def test_tenant_a_never_sees_or_changes_tenant_b(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    b_key = other_merchant.post("/v1/api_keys", json={"name": "b"}).json()
    # Reading, listing and changing B's key through A's key all behave as if it did not exist.
    a_get = merchant.get(f"/v1/api_keys/{b_key['id']}")
    missing = merchant.get("/v1/api_keys/key_00000000000000000000000000")
    assert_problem(a_get, 404)
    assert_problem(missing, 404)
    assert a_get.json()["title"] == missing.json()["title"]
    assert_problem(merchant.post(f"/v1/api_keys/{b_key['id']}/revoke"), 404)
    assert b_key["id"] not in {
        k["id"] for k in merchant.get("/v1/api_keys?limit=100").json()["data"]
    }
    a_audit = merchant.get(f"/v1/audit_events?object_id={b_key['id']}").json()
    assert a_audit["data"] == []
    # B's key is untouched.
    assert other_merchant.get(f"/v1/api_keys/{b_key['id']}").json()["revoked_at"] is None
