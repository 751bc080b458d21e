from tests.conftest import Merchant, assert_problem


def coupon(merchant: Merchant, **fields) -> dict:
    body = {
        "code": "sommer-24",
        "name": "Sommer",
        "kind": "percent",
        "percent": "20",
        "duration": "repeating",
        "duration_periods": 3,
        **fields,
    }
    response = merchant.post("/v1/coupons", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_codes_are_case_insensitive(merchant: Merchant) -> None:
    created = coupon(merchant)
    assert created["code"] == "SOMMER-24" and created["percent"] == "20"
    assert created["redeemable"] is True and created["redemptions"] == 0
    found = merchant.get("/v1/coupons?code=Sommer-24").json()["data"]
    assert [c["id"] for c in found] == [created["id"]]
    duplicate = merchant.post(
        "/v1/coupons",
        json={
            "code": "SOMMER-24",
            "name": "x",
            "kind": "percent",
            "percent": "5",
            "duration": "once",
        },
    )
    assert_problem(duplicate, 409)


def test_fixed_amount_coupons_keep_exact_amounts(merchant: Merchant) -> None:
    created = coupon(
        merchant,
        code="FUENF",
        kind="fixed_amount",
        percent=None,
        amounts=[{"currency": "EUR", "amount": "5.00"}, {"currency": "CHF", "amount": "5.50"}],
        duration="forever",
        duration_periods=None,
    )
    assert created["amounts"] == [
        {"currency": "EUR", "amount": "5.00"},
        {"currency": "CHF", "amount": "5.50"},
    ]
    bad = merchant.post(
        "/v1/coupons",
        json={
            "code": "KRUMM",
            "name": "x",
            "kind": "fixed_amount",
            "duration": "once",
            "amounts": [{"currency": "EUR", "amount": "5.001"}],
        },
    )
    assert_problem(bad, 422, "/amounts/0/amount")


def test_coupon_validation_names_fields(merchant: Merchant) -> None:
    cases = [
        ({"percent": "120"}, "/percent"),
        ({"duration": "repeating", "duration_periods": None}, "/duration_periods"),
        ({"code": "a b"}, "/code"),
        ({"valid_from": "2027-01-01", "valid_until": "2026-01-01"}, "/valid_until"),
        ({"targets": {"plan_ids": ["pln_nope"]}}, "/targets/plan_ids/0"),
        ({"max_redemptions": 0}, "/max_redemptions"),
    ]
    for change, pointer in cases:
        body = {
            "code": "TEST-1",
            "name": "x",
            "kind": "percent",
            "percent": "10",
            "duration": "once",
            **change,
        }
        assert_problem(merchant.post("/v1/coupons", json=body), 422, pointer)
    assert merchant.get("/v1/coupons").json()["data"] == []


def test_patch_and_archive(merchant: Merchant, wall_clock) -> None:
    created = coupon(merchant, valid_from="2026-01-01")
    patched = merchant.patch(
        f"/v1/coupons/{created['id']}", json={"valid_until": "2026-12-31", "max_redemptions": 10}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["valid_until"] == "2026-12-31"
    assert_problem(
        merchant.patch(f"/v1/coupons/{created['id']}", json={"valid_until": "2025-01-01"}),
        422,
        "/valid_until",
    )
    assert_problem(
        merchant.patch(f"/v1/coupons/{created['id']}", json={"percent": "50"}), 422, "/percent"
    )
    archived = merchant.post(f"/v1/coupons/{created['id']}/archive").json()
    assert archived["redeemable"] is False and archived["archived_at"]
    assert merchant.get("/v1/coupons?code=sommer-24").json()["data"] == []
    assert len(merchant.get("/v1/coupons?code=sommer-24&include_archived=true").json()["data"]) == 1


def test_expired_coupon_is_not_redeemable(merchant: Merchant) -> None:
    created = coupon(merchant, valid_until="2026-11-24")  # the tenant clock stands on Nov 25
    assert created["redeemable"] is False
