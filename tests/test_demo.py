"""The demo merchant that `make run` seeds: the catalog examples and a contract per state."""

from turnus.services.demo import seed_demo
from turnus.services.uow import UnitOfWork


def test_demo_merchant_shows_every_contract_state(engine, wall_clock, client, tmp_path) -> None:
    with UnitOfWork(engine) as uow:
        demo = seed_demo(uow, wall_clock, tmp_path / "key")
    headers = {"Authorization": f"Bearer {demo.api_key}"}
    contracts = client.get("/v1/contracts?limit=100", headers=headers).json()["data"]
    assert {c["state"] for c in contracts} == {
        "active",
        "trial",
        "paused",
        "in_notice",
        "future",
        "ended",
    }
    catalog = client.get("/v1/catalog?currency=EUR", headers=headers).json()["data"]
    coffee = next(o for o in catalog if o["plan"]["name_de"] == "Kaffee-Abo Classic")
    assert sorted(v["prices"][0]["amount"] for v in coffee["variants"]) == [
        "11.90",
        "14.90",
        "9.90",
    ]
    names = {o["plan"]["name_de"] for o in catalog}
    assert {"Kaffee-Abo Classic", "Magazin Jahresabo", "Team"} <= names
    customers = client.get("/v1/customers", headers=headers).json()["data"]
    assert len(customers) == 4
