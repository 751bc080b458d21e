"""Merchants (tenants): creation by the operator, legal data, their own profile."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import insert, select, update

from turnus.domain.clock import TenantMode
from turnus.domain.errors import FieldError, NotFound, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.domain.tenant import TenantProfile, validated_profile
from turnus.services import audit
from turnus.services.context import Actor, TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock
from turnus.store.ids import new_id
from turnus.store.tables import tenants

NULLABLE_FIELDS = frozenset({"house_number", "vat_id", "tax_number", "email"})
PROFILE_FIELDS = tuple(f for f in TenantProfile.__dataclass_fields__ if f != "mode")


def create_tenant(
    uow: UnitOfWork, profile: TenantProfile, *, actor: Actor, wall_clock: WallClock
) -> dict[str, Any]:
    profile = validated_profile(profile)
    now = wall_clock.now()
    row = {
        "id": new_id("ten"),
        **asdict(profile),
        "mode": profile.mode.value,
        # A sandbox clock starts where real time is and then moves only when advanced.
        "clock_frozen_at": now if profile.mode is TenantMode.SANDBOX else None,
        "created_at": now,
        "updated_at": now,
    }
    uow.connection.execute(insert(tenants), [row])
    ctx = TenantContext(uow=uow, tenant_id=row["id"], actor=actor, wall_clock=wall_clock)
    audit.record(ctx, object_type="tenant", object_id=row["id"], action="created", after=row)
    return row


def get_tenant(uow: UnitOfWork, tenant_id: str) -> dict[str, Any]:
    row = (
        uow.connection.execute(select(tenants).where(tenants.c.id == tenant_id)).mappings().first()
    )
    if row is None:
        raise NotFound(f"No tenant with id '{tenant_id}' exists.")
    return dict(row)


def list_tenants(uow: UnitOfWork, page: PageRequest) -> Page[dict[str, Any]]:
    statement = select(tenants)
    if page.starting_after is not None:
        statement = statement.where(tenants.c.id < page.starting_after)
    statement = statement.order_by(tenants.c.id.desc()).limit(page.limit + 1)
    rows = [dict(r) for r in uow.connection.execute(statement).mappings()]
    return Page(data=rows[: page.limit], has_more=len(rows) > page.limit)


def profile_of(row: dict[str, Any]) -> TenantProfile:
    return TenantProfile(**{f: row[f] for f in PROFILE_FIELDS}, mode=TenantMode(row["mode"]))


def update_profile(ctx: TenantContext, changes: dict[str, Any]) -> dict[str, Any]:
    """Change legal data of the acting tenant. The mode (live/sandbox) never changes."""
    before = get_tenant(ctx.uow, ctx.tenant_id)
    nulled = [
        FieldError(f"/{name}", "must not be null")
        for name, value in changes.items()
        if value is None and name not in NULLABLE_FIELDS
    ]
    if nulled:
        raise ValidationFailed("The merchant's legal data is not valid.", nulled)
    profile = validated_profile(replace(profile_of(before), **changes))
    values = {**asdict(profile), "mode": before["mode"], "updated_at": ctx.wall_clock.now()}
    ctx.uow.connection.execute(update(tenants).where(tenants.c.id == ctx.tenant_id).values(values))
    ctx.reset_clock()
    after = get_tenant(ctx.uow, ctx.tenant_id)
    audit.record(
        ctx,
        object_type="tenant",
        object_id=ctx.tenant_id,
        action="updated",
        before=before,
        after=after,
    )
    return after
