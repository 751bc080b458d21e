"""The scheduled billing job: every tenant's billing runs when something falls due - on the
tenant clock, so a sandbox tenant's advance bills each day it passes over."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func

from turnus.services import scheduler
from turnus.services.billing.invoices import finalize_due
from turnus.services.billing.run import bill_in_transaction
from turnus.services.context import TenantContext
from turnus.store.billing_tables import invoices
from turnus.store.contract_tables import billing_schedule, contracts

BILLING_RUN = "billing.run"


def schedule_billing(ctx: TenantContext, day: date) -> None:
    """Make sure a billing run happens at the start of ``day`` (tenant time; idempotent)."""
    scheduler.schedule(
        ctx,
        BILLING_RUN,
        datetime.combine(day, time(0), tzinfo=ZoneInfo(ctx.clock.timezone)),
        {"date": day.isoformat()},
        dedupe_key=f"{BILLING_RUN}:{day.isoformat()}",
    )


def next_billing_day(ctx: TenantContext) -> date | None:
    """The earliest day a contract falls due or a draft is to be finalized."""
    scope = ctx.scope
    contract_due = ctx.uow.connection.execute(
        scope.select(billing_schedule, func.min(billing_schedule.c.next_billing_date))
    ).scalar()
    draft_due = ctx.uow.connection.execute(
        scope.select(invoices, func.min(invoices.c.finalize_on)).where(invoices.c.state == "draft")
    ).scalar()
    days = [d for d in (contract_due, draft_due) if d is not None]
    return min(days) if days else None


def contract_changed(ctx: TenantContext, contract_id: str) -> None:
    """An order (or late usage) changed a contract: the next run bills it - today's if it has
    not run yet, else tomorrow's."""
    today = ctx.today()
    c = billing_schedule.c
    current = ctx.uow.connection.execute(
        ctx.scope.select(billing_schedule, c.next_billing_date).where(c.contract_id == contract_id)
    ).first()
    if current is None:  # a new contract
        contract = ctx.scope.get(contracts, contract_id, what="contract")
        ctx.scope.insert(
            billing_schedule,
            {
                "contract_id": contract_id,
                "customer_id": contract["customer_id"],
                "next_billing_date": today,
            },
        )
    elif current.next_billing_date is None or current.next_billing_date > today:
        ctx.uow.connection.execute(
            ctx.scope.update_statement(billing_schedule)
            .where(c.contract_id == contract_id)
            .values(next_billing_date=today)
        )
    schedule_billing(ctx, today)  # no-op when today's run is scheduled or done
    schedule_billing(ctx, today + timedelta(days=1))


@scheduler.task_handler(BILLING_RUN)
def _billing_run(ctx: TenantContext, payload: dict[str, Any]) -> None:
    today = ctx.today()
    bill_in_transaction(ctx, today)
    finalize_due(ctx)
    upcoming = next_billing_day(ctx)
    if upcoming is not None:
        schedule_billing(ctx, max(upcoming, today + timedelta(days=1)))
