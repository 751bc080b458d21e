"""Billing runs with settled periods (``turnus.domain.billing.settlement``) through the whole
chain: a run settles what it reconciled, a change of a settled period's lines is billed in
full, and a deleted draft's contracts are billed again from their start."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select, update

from tests.conftest import Merchant
from tests.test_contracts_api import catalog, signup
from tests.test_invoices_api import grace_days, listed, run_billing
from turnus.store.billing_tables import invoice_items
from turnus.store.catalog_tables import price_versions
from turnus.store.contract_tables import billing_schedule

PERIODS = [date(2026, 11, 25), date(2026, 12, 25), date(2027, 1, 25), date(2027, 2, 25)]


def _schedule(engine: Engine, contract_id: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(
            select(billing_schedule).where(billing_schedule.c.contract_id == contract_id)
        ).one()


def _fees(engine: Engine, contract_id: str) -> list[tuple[date, int]]:
    c = invoice_items.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(c.period_start, c.amount)
            .where(c.contract_id == contract_id, c.kind == "fee")
            .order_by(c.period_start, c.seq)
        )
        return [(row.period_start, row.amount) for row in rows]


def _monthly_contract_billed_four_times(merchant: Merchant) -> tuple[dict[str, Any], str]:
    ids = catalog(merchant)
    contract_id = signup(merchant, ids, "flex")["contract"]["id"]
    run_billing(merchant)
    advanced = merchant.post("/v1/clock/advance", json={"to": "2027-02-25T10:00:00+01:00"})
    assert advanced.status_code == 200, advanced.text
    return ids, contract_id


def test_a_run_settles_the_periods_it_billed(merchant: Merchant, engine: Engine) -> None:
    _, contract_id = _monthly_contract_billed_four_times(merchant)
    assert _fees(engine, contract_id) == [(day, 1490) for day in PERIODS]
    schedule = _schedule(engine, contract_id)
    assert schedule.settled_before == date(2027, 3, 25)  # every period billed
    assert schedule.next_billing_date == date(2027, 3, 25)
    assert len(schedule.settled_digest) == 32


def test_changed_lines_of_settled_periods_are_reconciled_in_full(
    merchant: Merchant, engine: Engine
) -> None:
    """As if the flex price had been 9.90 from the start (nothing in the API changes a settled
    period's price; a backdated change would): every period is credited 5.00, the settled ones
    too, and the contract is settled again."""
    ids, contract_id = _monthly_contract_billed_four_times(merchant)
    before = _schedule(engine, contract_id)
    c = price_versions.c
    with engine.begin() as connection:
        (version,) = connection.execute(
            select(c.id, c.prices).where(c.owner_id == ids["flex"])
        ).all()
        prices = [{**p, "amount": "9.90"} if p["currency"] == "EUR" else p for p in version.prices]
        connection.execute(update(price_versions).where(c.id == version.id).values(prices=prices))
        connection.execute(  # due today, as an order makes it
            update(billing_schedule)
            .where(billing_schedule.c.contract_id == contract_id)
            .values(next_billing_date=date(2027, 2, 25))
        )
    run = run_billing(merchant)
    assert run["items"] == 4
    fees = _fees(engine, contract_id)
    assert sorted(fees) == sorted([(day, 1490) for day in PERIODS] + [(d, -500) for d in PERIODS])
    after = _schedule(engine, contract_id)
    assert after.settled_before == date(2027, 3, 25)
    assert after.settled_digest != before.settled_digest
    assert run_billing(merchant)["items"] == 0


def test_a_deleted_drafts_settled_items_are_billed_again(
    merchant: Merchant, engine: Engine
) -> None:
    """A quantity change on Dec 5 bills the rest of the Nov 25 period in a draft that stays
    open for 30 days; the Dec 25 run settles that period meanwhile. Deleting the draft forgets
    the settlement, and the next run bills the change again."""
    grace_days(merchant, 30)
    ids = catalog(merchant)
    box = [{"component_id": ids["box"], "quantity": "1"}]
    contract_id = signup(merchant, ids, "flex", components=box)["contract"]["id"]
    run_billing(merchant)
    merchant.post("/v1/clock/advance", json={"to": "2026-12-05T10:00:00+01:00"})
    order = {
        "type": "change_quantity",
        "contract_id": contract_id,
        "component_id": ids["box"],
        "quantity": "3",
    }
    assert merchant.post("/v1/orders", json=order).status_code == 201
    assert run_billing(merchant)["items"] == 1  # 2 more boxes for 20 of 30 days: 9.20
    merchant.post("/v1/clock/advance", json={"to": "2026-12-25T10:00:00+01:00"})
    assert _schedule(engine, contract_id).settled_before == PERIODS[2]
    (draft,) = [d for d in listed(merchant, "state=draft") if d["billing_date"] == "2026-12-05"]
    deleted = merchant.client.delete(f"/v1/invoices/{draft['id']}", headers=merchant.headers)
    assert deleted.status_code == 204, deleted.text
    schedule = _schedule(engine, contract_id)
    assert (schedule.settled_before, schedule.settled_digest) == (None, None)
    run = run_billing(merchant)
    assert run["items"] == 1
    c = invoice_items.c
    with engine.connect() as connection:
        components = connection.execute(
            select(c.period_start, c.amount).where(
                c.contract_id == contract_id, c.kind == "component"
            )
        ).all()
    assert sorted(components) == [(PERIODS[0], 690), (PERIODS[0], 920), (PERIODS[1], 2070)]
