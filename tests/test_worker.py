"""The worker runs due work for live tenants only."""

from datetime import timedelta

from tests.conftest import TEST_ACTOR, make_tenant
from turnus.domain.clock import TenantMode
from turnus.services import audit, scheduler
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.worker import run_live_tenants
from turnus.store.tables import audit_events


@scheduler.task_handler("test.worker")
def _handler(ctx: TenantContext, payload: dict) -> None:
    audit.record(ctx, object_type="worker-test", object_id=payload["name"], action="ran")


def _schedule(engine, wall_clock, tenant_id: str, name: str, delay: timedelta) -> None:
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock)
        scheduler.schedule(ctx, "test.worker", wall_clock.now() + delay, {"name": name})


def _ran(engine, tenant_id: str) -> list[str]:
    with UnitOfWork(engine) as uow:
        scope = uow.scope(tenant_id)
        rows = scope.rows(
            scope.select(audit_events).where(audit_events.c.object_type == "worker-test")
        )
    return sorted(r["object_id"] for r in rows)


def test_worker_runs_due_work_of_live_tenants_only(engine, wall_clock) -> None:
    live, _ = make_tenant(engine, wall_clock, mode=TenantMode.LIVE)
    sandbox, _ = make_tenant(engine, wall_clock, mode=TenantMode.SANDBOX)
    _schedule(engine, wall_clock, live, "due", timedelta(minutes=-1))
    _schedule(engine, wall_clock, live, "later", timedelta(hours=1))
    _schedule(engine, wall_clock, sandbox, "sandbox", timedelta(minutes=-1))
    first = run_live_tenants(engine, wall_clock)
    assert first.tasks >= 1 and first.failed == 0
    assert _ran(engine, live) == ["due"]
    assert _ran(engine, sandbox) == []
    wall_clock.moment += timedelta(hours=2)
    run_live_tenants(engine, wall_clock)
    assert _ran(engine, live) == ["due", "later"]
    run_live_tenants(engine, wall_clock)
    assert _ran(engine, live) == ["due", "later"]  # nothing runs twice


def test_the_worker_bills_live_tenants_in_batches(engine, wall_clock, live_merchant) -> None:
    from tests.test_contracts_api import catalog, signup

    ids = catalog(live_merchant)
    signup(live_merchant, ids, "flex")
    run_live_tenants(engine, wall_clock)
    invoices = live_merchant.get("/v1/invoices").json()["data"]
    assert [i["number"] for i in invoices] == ["RE-2026-000001"]
    run_live_tenants(engine, wall_clock)  # nothing due any more: no further run is recorded
    assert len(live_merchant.get("/v1/billing_runs").json()["data"]) == 1
