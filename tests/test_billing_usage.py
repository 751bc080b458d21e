"""Metered usage through the whole chain: reported events, the scheduled billing run at the
period's end, and a late event within the grace period billed as an adjustment."""

from __future__ import annotations

from tests.conftest import Merchant
from tests.test_usage_api import cloud, event, report


def _usage_items(merchant: Merchant) -> list[tuple[str, int, str]]:
    found = []
    for invoice in merchant.get("/v1/invoices?limit=100").json()["data"]:
        detail = merchant.get(f"/v1/invoices/{invoice['id']}").json()
        found.extend(
            (i["description"], i["amount"], i["quantity"])
            for i in detail["items"]
            if i["kind"] == "usage" and i["amount"]
        )
    return sorted(found)


def test_usage_is_billed_at_the_period_end_and_late_events_adjust_it(merchant: Merchant) -> None:
    ids = cloud(merchant)
    merchant.post("/v1/clock/advance", json={"to": "2026-11-27T10:00:00+01:00"})
    report(merchant, event(ids, "e-1", quantity="1200", timestamp="2026-11-26T10:00:00+01:00"))
    advanced = merchant.post("/v1/clock/advance", json={"to": "2026-12-01T10:00:00+01:00"})
    assert advanced.status_code == 200, advanced.text
    # 1,200 calls, 1,000 free: 200 x 0.05 = 10.00, billed when November ends
    assert _usage_items(merchant) == [("API-Aufrufe", 1000, "200")]
    # calls reported late (Dec 1, after the run) for Nov 30 count within the grace period
    report(merchant, event(ids, "e-2", quantity="100", timestamp="2026-11-30T18:00:00+01:00"))
    merchant.post("/v1/clock/advance", json={"to": "2026-12-02T10:00:00+01:00"})
    assert _usage_items(merchant) == [("API-Aufrufe", 500, "300"), ("API-Aufrufe", 1000, "200")]
