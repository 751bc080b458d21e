"""Due work per tenant. Anything that must happen at a point in tenant time (billing, renewals,
trial ends, dunning steps, webhook retries) is a scheduled task; it runs in due order when the
tenant's clock reaches it: by the worker for live tenants, by a clock advance for sandboxes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from turnus.domain.clock import TenantMode
from turnus.domain.errors import ValidationFailed
from turnus.services.context import TenantContext
from turnus.store.ids import new_id
from turnus.store.tables import scheduled_tasks

TaskHandler = Callable[[TenantContext, dict[str, Any]], None]

_handlers: dict[str, TaskHandler] = {}

# A handler that keeps scheduling due work forever would otherwise make an advance never end.
MAX_TASKS_PER_RUN = 100_000


def task_handler(kind: str) -> Callable[[TaskHandler], TaskHandler]:
    def register(handler: TaskHandler) -> TaskHandler:
        _handlers[kind] = handler
        return handler

    return register


def registered_kinds() -> frozenset[str]:
    return frozenset(_handlers)


@dataclass(frozen=True)
class TaskRun:
    id: str
    kind: str
    due_at: datetime
    state: str
    error: str | None


def schedule(
    ctx: TenantContext,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
) -> str | None:
    """Schedule a task; with ``dedupe_key``, a second task with the same key is not added."""
    if kind not in _handlers:
        raise ValidationFailed.field("/kind", f"no handler is registered for task kind '{kind}'")
    if dedupe_key is not None:
        existing = ctx.scope.first(
            ctx.scope.select(scheduled_tasks).where(scheduled_tasks.c.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
    task_id = new_id("tsk")
    ctx.scope.insert(
        scheduled_tasks,
        {
            "id": task_id,
            "kind": kind,
            "due_at": due_at,
            "payload": payload or {},
            "state": "pending",
            "dedupe_key": dedupe_key,
            "attempts": 0,
            "last_error": None,
            "done_at": None,
        },
    )
    return task_id


def _next_due(ctx: TenantContext, until: datetime) -> dict[str, Any] | None:
    statement = (
        ctx.scope.select(scheduled_tasks)
        .where(scheduled_tasks.c.state == "pending", scheduled_tasks.c.due_at <= until)
        .order_by(scheduled_tasks.c.due_at, scheduled_tasks.c.id)
        # several workers on PostgreSQL: each takes tasks the others have not locked
        .with_for_update(skip_locked=True)
    )
    return ctx.scope.first(statement)


def run_due(ctx: TenantContext, until: datetime) -> list[TaskRun]:
    """Run every pending task due at or before ``until``, oldest first. On a sandbox tenant the
    clock stands at each task's due time while it runs. A failing task is marked failed with
    its error (in a savepoint, so its partial writes vanish) and the others still run."""
    runs: list[TaskRun] = []
    connection: Connection = ctx.uow.connection
    for _ in range(MAX_TASKS_PER_RUN):
        task = _next_due(ctx, until)
        if task is None:
            return runs
        if ctx.clock.mode is TenantMode.SANDBOX and task["due_at"] > ctx.now():
            ctx.use_clock(replace(ctx.clock, frozen_at=task["due_at"]))
        handler = _handlers.get(task["kind"])
        error: str | None = None
        savepoint = connection.begin_nested()
        try:
            if handler is None:
                raise LookupError(f"no handler for task kind '{task['kind']}'")
            handler(ctx, dict(task["payload"]))
            savepoint.commit()
        except Exception as exc:  # a task's failure is recorded, never fatal to the run
            savepoint.rollback()
            error = f"{type(exc).__name__}: {exc}"
        state = "failed" if error else "done"
        ctx.scope.update(
            scheduled_tasks,
            task["id"],
            {
                "state": state,
                "attempts": task["attempts"] + 1,
                "last_error": error,
                "done_at": ctx.now(),
            },
        )
        runs.append(TaskRun(task["id"], task["kind"], task["due_at"], state, error))
    raise RuntimeError(f"more than {MAX_TASKS_PER_RUN} tasks fell due in one run")
