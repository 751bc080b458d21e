"""The worker: runs what has fallen due for live tenants, whose clocks follow real time.
Sandbox tenants are left alone; their clocks move only when advanced, and the advance runs
their due work. Each tenant's due work runs in its own transaction; several workers may run at
once on PostgreSQL (tasks are taken with SKIP LOCKED)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, select

# Modules whose work falls due at tenant times register their task handlers on import.
import turnus.services.clock  # noqa: F401
from turnus.domain.clock import TenantMode
from turnus.services.billing.run import bill
from turnus.services.context import Actor, TenantContext
from turnus.services.scheduler import run_due
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock
from turnus.store.tables import tenants

WORKER = Actor("system", "worker")
log = logging.getLogger("turnus.worker")


@dataclass(frozen=True)
class WorkerPass:
    tenants: int
    tasks: int
    failed: int


def run_live_tenants(engine: Engine, wall_clock: WallClock) -> WorkerPass:
    with UnitOfWork(engine) as uow:
        tenant_ids = list(
            uow.connection.execute(
                select(tenants.c.id).where(tenants.c.mode == TenantMode.LIVE.value)
            ).scalars()
        )
    ran = failed = 0
    for tenant_id in tenant_ids:
        # Billing first, in batches of their own transactions: a large merchant's run never
        # becomes one huge transaction; the scheduled billing task then finds little left.
        try:
            bill(engine, tenant_id, wall_clock, actor=WORKER)
        except Exception:  # one merchant's failure never stops the others; its task retries
            log.exception("billing run of tenant %s failed", tenant_id)
            failed += 1
        with UnitOfWork(engine) as uow:
            ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=WORKER, wall_clock=wall_clock)
            runs = run_due(ctx, ctx.now())
        ran += len(runs)
        failed += sum(1 for r in runs if r.state == "failed")
    return WorkerPass(tenants=len(tenant_ids), tasks=ran, failed=failed)
