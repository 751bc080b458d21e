"""A large billing run on PostgreSQL refreshes the planner's statistics of invoices once, as
soon as it has written more of the tenant's items than the planner expected."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, func, select, text

from tests.conftest import Merchant
from tests.test_billing_crash import CONTRACTS, _check_complete, _contracts
from turnus.services.billing import run
from turnus.services.wall_clock import FixedWallClock
from turnus.store import statistics
from turnus.store.billing_tables import invoice_items

FIRST_BATCH_ITEMS = 6  # three contracts: the setup fee and the first month of each


def _planned_items(engine: Engine) -> float:
    with engine.connect() as connection:
        return float(
            connection.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = 'invoice_items'::regclass")
            ).scalar_one()
        )


def _all_items(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(invoice_items)).scalar_one())


def _contracts_and_fresh_statistics(merchant: Merchant, engine: Engine) -> tuple[list[str], int]:
    """The contracts to bill, and the items of all tenants, which the statistics now count."""
    contract_ids = _contracts(merchant)
    statistics.analyze(engine, [invoice_items])
    before = _all_items(engine)
    assert _planned_items(engine) == before
    return contract_ids, before


@pytest.fixture
def postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("planner statistics are PostgreSQL's")


def test_sqlite_has_no_statistics_to_keep(engine: Engine, is_postgres: bool) -> None:
    kept = run._PlannerStatistics.at_start(engine, "ten_any")
    assert (kept is None) is not is_postgres


@pytest.mark.usefixtures("postgres_only")
def test_statistics_are_gathered_after_the_first_batch_that_outgrows_them(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract_ids, before = _contracts_and_fresh_statistics(merchant, engine)
    monkeypatch.setattr(statistics, "estimated_rows", lambda *_: 0.0)
    monkeypatch.setattr(run._PlannerStatistics, "REFRESH_FLOOR", 0)
    result = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3, workers=1)
    assert result.items == 2 * CONTRACTS
    _check_complete(engine, merchant.tenant_id, contract_ids)
    # gathered once, right after the first batch: later batches' items are not counted
    assert _planned_items(engine) == before + FIRST_BATCH_ITEMS


@pytest.mark.usefixtures("postgres_only")
def test_statistics_that_expect_the_run_are_left_alone(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before = _contracts_and_fresh_statistics(merchant, engine)
    monkeypatch.setattr(statistics, "estimated_rows", lambda *_: float(10 * CONTRACTS))
    monkeypatch.setattr(run._PlannerStatistics, "REFRESH_FLOOR", 0)
    assert run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3).items == 2 * CONTRACTS
    assert _planned_items(engine) == before


@pytest.mark.usefixtures("postgres_only")
def test_a_run_below_the_floor_leaves_the_statistics_alone(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before = _contracts_and_fresh_statistics(merchant, engine)
    monkeypatch.setattr(statistics, "estimated_rows", lambda *_: 0.0)
    assert run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3).items == 2 * CONTRACTS
    assert _planned_items(engine) == before


@pytest.mark.usefixtures("postgres_only")
def test_the_planners_expectation_of_a_tenants_rows_is_read_from_its_plan(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    _contracts(merchant)
    run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3)
    statistics.analyze(engine, [invoice_items])
    # the planner's guess for one of many tenants: at least a row, at most all of them
    expected = statistics.estimated_rows(engine, invoice_items, merchant.tenant_id)
    assert 1.0 <= expected <= _all_items(engine)


@pytest.mark.usefixtures("postgres_only")
def test_statistics_are_not_waited_for_behind_a_lock(engine: Engine) -> None:
    with engine.connect() as holder, holder.begin():
        # what a vacuum or an index being built holds: ANALYZE has to wait for it
        holder.exec_driver_sql("LOCK TABLE invoice_items IN SHARE UPDATE EXCLUSIVE MODE")
        assert statistics.analyze(engine, [invoice_items], lock_timeout_ms=100) is False
    assert statistics.analyze(engine, [invoice_items], lock_timeout_ms=100) is True


@pytest.mark.usefixtures("postgres_only")
def test_a_failure_to_gather_statistics_is_logged_not_raised(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    with caplog.at_level(logging.WARNING, logger="turnus.store"):
        assert statistics.analyze(engine, [missing]) is False
    assert "no_such_table" in caplog.text
