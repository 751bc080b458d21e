"""Reading and advancing the tenant clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from turnus.services import audit

# Modules whose work falls due at tenant times register their task handlers on import.
from turnus.services.billing import job as _billing_job  # noqa: F401
from turnus.services.context import TenantContext
from turnus.services.contracts import clock_tasks as _contract_tasks  # noqa: F401
from turnus.services.scheduler import TaskRun, run_due
from turnus.store.tables import tenants


@dataclass(frozen=True)
class Advance:
    previous: datetime
    now: datetime
    tasks: list[TaskRun]


def advance(ctx: TenantContext, target: datetime) -> Advance:
    """Move a sandbox clock to ``target`` and run everything that falls due on the way, in due
    order, all in the caller's transaction: the advance happens completely or not at all."""
    previous = ctx.now()
    moved = ctx.clock.advanced_to(target, ctx.wall_clock.now())
    tasks = run_due(ctx, target)
    ctx.use_clock(moved)
    ctx.uow.connection.execute(
        update(tenants).where(tenants.c.id == ctx.tenant_id).values(clock_frozen_at=moved.frozen_at)
    )
    audit.record(
        ctx,
        object_type="clock",
        object_id=ctx.tenant_id,
        action="advanced",
        before={"now": previous},
        after={"now": ctx.now(), "tasks_run": len(tasks)},
    )
    return Advance(previous=previous, now=ctx.now(), tasks=tasks)
