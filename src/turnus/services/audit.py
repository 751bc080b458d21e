"""The audit log: who changed what, when (tenant clock and wall clock)."""

from __future__ import annotations

from typing import Any

from turnus.domain.pagination import Page, PageRequest
from turnus.services.context import TenantContext
from turnus.services.serialize import jsonable
from turnus.store.ids import new_id
from turnus.store.tables import audit_events


def record(
    ctx: TenantContext,
    *,
    object_type: str,
    object_id: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    ctx.scope.insert(
        audit_events,
        {
            "id": new_id("aud"),
            "actor_type": ctx.actor.type,
            "actor_id": ctx.actor.id,
            "object_type": object_type,
            "object_id": object_id,
            "action": action,
            "before": jsonable(before) if before is not None else None,
            "after": jsonable(after) if after is not None else None,
            "tenant_time": ctx.now(),
            "wall_time": ctx.wall_clock.now(),
            "request_id": ctx.request_id,
        },
    )


def list_events(
    ctx: TenantContext,
    page: PageRequest,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
) -> Page[dict[str, Any]]:
    criteria = []
    if object_type is not None:
        criteria.append(audit_events.c.object_type == object_type)
    if object_id is not None:
        criteria.append(audit_events.c.object_id == object_id)
    if action is not None:
        criteria.append(audit_events.c.action == action)
    return ctx.scope.page(audit_events, page, *criteria)
