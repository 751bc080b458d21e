"""Create, change, archive and delete merchant records (catalog objects, customers), with
audit events. Shared by every such entity so the rules (archived records are frozen;
referenced records are archived, never deleted) live in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table

from turnus.domain.errors import Conflict, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit
from turnus.services.context import TenantContext
from turnus.store.ids import new_id


@dataclass(frozen=True)
class Kind:
    """A catalog entity: its table, id prefix, audit name and human name."""

    table: Table
    prefix: str
    object_type: str
    label: str


@dataclass(frozen=True)
class Reference:
    """Rows of ``table`` whose ``column`` holds the id keep the record from being deleted."""

    table: Table
    column: str
    label: str
    json_contains: bool = False


def get(
    ctx: TenantContext, kind: Kind, object_id: str, *, for_update: bool = False
) -> dict[str, Any]:
    return ctx.scope.get(kind.table, object_id, what=kind.label, for_update=for_update)


def get_active(ctx: TenantContext, kind: Kind, object_id: str, pointer: str) -> dict[str, Any]:
    """A record another one is about to reference: it must exist and not be archived."""
    row = ctx.scope.find(kind.table, object_id)
    if row is None:
        raise ValidationFailed.field(pointer, f"no {kind.label} with id '{object_id}' exists")
    if row.get("archived_at") is not None:
        raise ValidationFailed.field(pointer, f"{kind.label} '{object_id}' is archived")
    return row


def listing(
    ctx: TenantContext,
    kind: Kind,
    page: PageRequest,
    *criteria: ColumnElement[bool],
    include_archived: bool = False,
) -> Page[dict[str, Any]]:
    if not include_archived:
        criteria = (*criteria, kind.table.c.archived_at.is_(None))
    return ctx.scope.page(kind.table, page, *criteria)


def create(ctx: TenantContext, kind: Kind, values: Mapping[str, Any]) -> dict[str, Any]:
    now = ctx.now()
    row = {
        "id": new_id(kind.prefix),
        **values,
        "archived_at": None,
        "created_at": now,
        "updated_at": now,
    }
    ctx.scope.insert(kind.table, row)
    created = get(ctx, kind, row["id"])
    audit.record(
        ctx, object_type=kind.object_type, object_id=row["id"], action="created", after=created
    )
    return created


def update(
    ctx: TenantContext, kind: Kind, object_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    before = get(ctx, kind, object_id, for_update=True)
    if before.get("archived_at") is not None:
        raise Conflict(f"{kind.label.capitalize()} '{object_id}' is archived and cannot change.")
    if not changes:
        return before
    ctx.scope.update(kind.table, object_id, {**changes, "updated_at": ctx.now()})
    after = get(ctx, kind, object_id)
    audit.record(
        ctx,
        object_type=kind.object_type,
        object_id=object_id,
        action="updated",
        before=before,
        after=after,
    )
    return after


def archive(ctx: TenantContext, kind: Kind, object_id: str) -> dict[str, Any]:
    """Archived records stay readable and keep serving what references them, but can no longer
    be booked, changed or referenced anew. Archiving twice is harmless."""
    before = get(ctx, kind, object_id, for_update=True)
    if before.get("archived_at") is not None:
        return before
    now = ctx.now()
    ctx.scope.update(kind.table, object_id, {"archived_at": now, "updated_at": now})
    after = get(ctx, kind, object_id)
    audit.record(
        ctx,
        object_type=kind.object_type,
        object_id=object_id,
        action="archived",
        before=before,
        after=after,
    )
    return after


def delete(ctx: TenantContext, kind: Kind, object_id: str, references: Sequence[Reference]) -> None:
    before = get(ctx, kind, object_id, for_update=True)
    for ref in references:
        if _referenced(ctx, ref, object_id):
            raise Conflict(
                f"{kind.label.capitalize()} '{object_id}' is referenced by {ref.label}; "
                "archive it instead of deleting it."
            )
    ctx.uow.connection.execute(
        ctx.scope.delete_statement(kind.table).where(kind.table.c.id == object_id)
    )
    audit.record(
        ctx, object_type=kind.object_type, object_id=object_id, action="deleted", before=before
    )


def _referenced(ctx: TenantContext, ref: Reference, object_id: str) -> bool:
    column = ref.table.c[ref.column]
    if not ref.json_contains:
        return ctx.scope.count(ref.table, column == object_id) > 0
    # JSON lists of ids or of {"component_id": ...}: few rows per tenant, checked in Python so
    # the same code works on SQLite and PostgreSQL.
    for row in ctx.scope.rows(ctx.scope.select(ref.table, column)):
        for item in row[ref.column] or ():
            if (item if isinstance(item, str) else item.get("component_id")) == object_id:
                return True
    return False
