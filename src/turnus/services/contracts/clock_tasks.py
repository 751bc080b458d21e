"""What happens to contracts when the tenant clock reaches their dates: the trial ends, a term
ends (renewal, conversion into an indefinite term, or the end), a cancellation takes effect.

The state itself is derived from the stored dates, so these tasks change no state; they write
the transitions into the contract's timeline at the moment they happen, and schedule the next
term end of renewing contracts. Each task re-checks the contract first: an order may have moved
or withdrawn the date since the task was scheduled (a revoked cancellation, an ended trial)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from turnus.domain.catalog.calendar import shift
from turnus.domain.catalog.model import RenewalMode
from turnus.domain.contracts.deliveries import next_delivery
from turnus.domain.contracts.lifecycle import Lifecycle
from turnus.services import scheduler
from turnus.services.context import TenantContext
from turnus.services.contracts import deliveries, storage

TRIAL_END = "contract.trial_end"
TERM_END = "contract.term_end"
CONTRACT_END = "contract.end"
DELIVERY = "contract.delivery"


def _midnight(ctx: TenantContext, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(ctx.clock.timezone))


def _schedule(ctx: TenantContext, kind: str, contract_id: str, day: date) -> None:
    scheduler.schedule(
        ctx,
        kind,
        _midnight(ctx, day),
        {"contract_id": contract_id, "date": day.isoformat()},
        dedupe_key=f"{kind}:{contract_id}:{day.isoformat()}",
    )


def schedule_dates(ctx: TenantContext, contract_id: str, lifecycle: Lifecycle) -> None:
    """Schedule the tasks for the dates a contract has now (idempotent)."""
    if deliveries.is_physical(ctx, storage.get(ctx, contract_id)):
        upcoming = next_delivery(lifecycle, min(ctx.today(), lifecycle.paid_start))
        if upcoming is not None:
            _schedule(ctx, DELIVERY, contract_id, upcoming)
    if lifecycle.trial_end is not None:
        _schedule(ctx, TRIAL_END, contract_id, lifecycle.trial_end)
    if lifecycle.minimum_term_end is not None:
        _schedule(ctx, TERM_END, contract_id, lifecycle.minimum_term_end)
    if lifecycle.end is not None:
        _schedule(ctx, CONTRACT_END, contract_id, lifecycle.end)


def _load(ctx: TenantContext, payload: dict[str, Any]) -> tuple[dict[str, Any], Lifecycle, date]:
    row = storage.get(ctx, payload["contract_id"])
    return row, storage.lifecycle_of(row), date.fromisoformat(payload["date"])


@scheduler.task_handler(TRIAL_END)
def _trial_end(ctx: TenantContext, payload: dict[str, Any]) -> None:
    row, lifecycle, day = _load(ctx, payload)
    if lifecycle.trial_end == day and (lifecycle.end is None or day < lifecycle.end):
        storage.record_event(ctx, row["id"], "trial_ended", day, {"automatic": True}, None)


@scheduler.task_handler(TERM_END)
def _term_end(ctx: TenantContext, payload: dict[str, Any]) -> None:
    row, lifecycle, day = _load(ctx, payload)
    if lifecycle.terms.minimum_term is None or (lifecycle.end is not None and lifecycle.end <= day):
        return  # ends by cancellation or fixed term: the contract.end task tells that
    if lifecycle.terms.renewal is RenewalMode.RENEW:
        k = 1
        while shift(lifecycle.term_begins, lifecycle.terms.minimum_term, k) < day:
            k += 1
        if shift(lifecycle.term_begins, lifecycle.terms.minimum_term, k) != day:
            return  # the terms changed since this was scheduled
        following = shift(lifecycle.term_begins, lifecycle.terms.minimum_term, k + 1)
        storage.record_event(
            ctx, row["id"], "renewed", day, {"term_ends": following.isoformat()}, None
        )
        _schedule(ctx, TERM_END, row["id"], following)
    elif lifecycle.minimum_term_end == day:
        storage.record_event(ctx, row["id"], "converted_to_indefinite", day, {}, None)


@scheduler.task_handler(CONTRACT_END)
def _contract_end(ctx: TenantContext, payload: dict[str, Any]) -> None:
    row, lifecycle, day = _load(ctx, payload)
    if lifecycle.end == day:
        reason = lifecycle.cancellation.kind.value if lifecycle.cancellation else "fixed_term"
        storage.record_event(ctx, row["id"], "ended", day, {"reason": reason}, None)


@scheduler.task_handler(DELIVERY)
def _delivery(ctx: TenantContext, payload: dict[str, Any]) -> None:
    following = deliveries.due_and_next(
        ctx, payload["contract_id"], date.fromisoformat(payload["date"])
    )
    if following is not None:
        _schedule(ctx, DELIVERY, payload["contract_id"], following)
