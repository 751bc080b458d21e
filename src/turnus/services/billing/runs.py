"""The record of billing runs: when a run started and finished, up to which day it billed, and
what it produced. A run stopped by an error is ``failed``, with the error and the batches it
finished before; a run that was killed stays ``running``. The next run bills what either left."""

from __future__ import annotations

from datetime import date
from typing import Any

from turnus.domain.pagination import Page, PageRequest
from turnus.services.context import TenantContext
from turnus.store.billing_tables import billing_runs


def started(ctx: TenantContext, run_id: str, until: date) -> None:
    ctx.scope.insert(
        billing_runs,
        {
            "id": run_id,
            "until": until,
            "state": "running",
            "stats": {},
            "started_at": ctx.now(),
            "finished_at": None,
        },
    )


def finished(ctx: TenantContext, run_id: str, stats: dict[str, Any]) -> None:
    ctx.scope.update(
        billing_runs,
        run_id,
        {"state": "finished", "stats": stats, "finished_at": ctx.now()},
    )


def failed(ctx: TenantContext, run_id: str, stats: dict[str, Any], error: str) -> None:
    ctx.scope.update(
        billing_runs,
        run_id,
        {"state": "failed", "stats": {**stats, "error": error[:1000]}, "finished_at": ctx.now()},
    )


def list_runs(ctx: TenantContext, page: PageRequest) -> Page[dict[str, Any]]:
    return ctx.scope.page(billing_runs, page)
