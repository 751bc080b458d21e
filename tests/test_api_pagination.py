from tests.conftest import Merchant, assert_problem


def test_cursor_pagination_walks_every_object_once_newest_first(merchant: Merchant) -> None:
    created = [
        merchant.post("/v1/api_keys", json={"name": f"k{i}"}).json()["id"] for i in range(24)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=10" + (f"&starting_after={cursor}" if cursor else "")
        page = merchant.get(f"/v1/api_keys?{query}").json()
        assert set(page) == {"data", "has_more"}
        seen.extend(k["id"] for k in page["data"])
        pages += 1
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    assert seen == sorted(seen, reverse=True)
    assert seen[:24] == list(reversed(created))


def test_default_and_bounds(merchant: Merchant) -> None:
    for i in range(21):
        merchant.post("/v1/api_keys", json={"name": f"k{i}"})
    page = merchant.get("/v1/api_keys").json()
    assert len(page["data"]) == 20 and page["has_more"] is True
    assert_problem(merchant.get("/v1/api_keys?limit=101"), 422, "/limit")
    assert_problem(merchant.get("/v1/api_keys?limit=abc"), 422, "/limit")
    last = merchant.get("/v1/api_keys?limit=100").json()
    assert len(last["data"]) == 22 and last["has_more"] is False
