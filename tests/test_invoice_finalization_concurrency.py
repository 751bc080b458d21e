"""Parallel finalizations of drafts: every invoice gets a number, none twice, none skipped,
and a finalization that rolls back leaves no gap (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from tests.conftest import TEST_ACTOR, Merchant
from tests.test_billing_crash import _contracts
from turnus.services.billing import invoices as invoice_service
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock
from turnus.store.billing_tables import invoices


class Rollback(Exception):
    pass


def test_parallel_finalizations_are_gapless(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    assert merchant.patch("/v1/billing_settings", json={"draft_grace_days": 3}).status_code == 200
    _contracts(merchant)
    run = merchant.post("/v1/billing_runs", json={})
    assert run.status_code == 200 and run.json()["invoices"] == 24
    drafts = [d["id"] for d in merchant.get("/v1/invoices?limit=100").json()["data"]]
    assert len(drafts) == 24
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker(share: list[str], roll_back_first: bool) -> None:
        try:
            barrier.wait()
            for index, invoice_id in enumerate(share):
                if roll_back_first and index == 0:
                    try:
                        with UnitOfWork(engine) as uow:
                            ctx = TenantContext(uow, merchant.tenant_id, TEST_ACTOR, wall_clock)
                            invoice_service.finalize(ctx, invoice_id)
                            raise Rollback  # took a number, then failed: nothing stays
                    except Rollback:
                        pass
                with UnitOfWork(engine) as uow:
                    ctx = TenantContext(uow, merchant.tenant_id, TEST_ACTOR, wall_clock)
                    invoice_service.finalize(ctx, invoice_id)
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(drafts[i::6], i % 2 == 0)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        numbers = sorted(
            connection.execute(
                select(invoices.c.number).where(invoices.c.tenant_id == merchant.tenant_id)
            ).scalars()
        )
    assert numbers == [f"RE-2026-{n:06d}" for n in range(1, 25)]
