"""Tenant scoping, enforced in one place.

Services never build a query against a merchant table themselves: they go through a
``TenantScope`` bound to one tenant, which adds ``tenant_id`` to every filter, insert, update
and delete. An object of another tenant is therefore indistinguishable from one that does not
exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Delete,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from turnus.domain.errors import NotFound
from turnus.domain.pagination import Page, PageRequest
from turnus.store import bulk
from turnus.store.tables import GLOBAL_TABLES


def one_of(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` for long lists (a batch of ids), with the values written into
    the statement when it runs instead of one bound parameter each: the driver handles one long
    literal list much faster, and PostgreSQL never plans the statement generically (a prepared
    statement's generic plan cannot hash the list)."""
    return column.in_(
        bindparam("values", list(values), expanding=True, literal_execute=True, unique=True)
    )


class TenantScope:
    def __init__(self, connection: Connection, tenant_id: str) -> None:
        if not tenant_id:
            raise ValueError("a tenant scope needs a tenant id")
        self.connection = connection
        self.tenant_id = tenant_id

    @staticmethod
    def _check(table: Table) -> Table:
        if table.name in GLOBAL_TABLES or "tenant_id" not in table.c:
            raise ValueError(f"{table.name} is not a tenant-scoped table")
        return table

    def _own(self, table: Table) -> ColumnElement[bool]:
        return self._check(table).c.tenant_id == self.tenant_id

    # -- statements -----------------------------------------------------------------------
    def select(self, table: Table, *columns: Any) -> Select[Any]:
        statement = select(*columns) if columns else select(table)
        return statement.where(self._own(table))

    def count(self, table: Table, *criteria: ColumnElement[bool]) -> int:
        statement = select(func.count()).select_from(table).where(self._own(table), *criteria)
        return int(self.connection.execute(statement).scalar_one())

    def update_statement(self, table: Table) -> Update:
        return update(table).where(self._own(table))

    def delete_statement(self, table: Table) -> Delete:
        return delete(table).where(self._own(table))

    # -- reads ----------------------------------------------------------------------------
    def rows(self, statement: Select[Any]) -> list[dict[str, Any]]:
        return [dict(row) for row in self.connection.execute(statement).mappings()]

    def first(self, statement: Select[Any]) -> dict[str, Any] | None:
        row = self.connection.execute(statement.limit(1)).mappings().first()
        return dict(row) if row is not None else None

    def get(
        self, table: Table, object_id: str, *, what: str, for_update: bool = False
    ) -> dict[str, Any]:
        statement = self.select(table).where(table.c.id == object_id)
        if for_update:
            statement = statement.with_for_update()
        row = self.first(statement)
        if row is None:
            raise NotFound(f"No {what} with id '{object_id}' exists.")
        return row

    def find(self, table: Table, object_id: str) -> dict[str, Any] | None:
        return self.first(self.select(table).where(table.c.id == object_id))

    def page(
        self,
        table: Table,
        request: PageRequest,
        *criteria: ColumnElement[bool],
    ) -> Page[dict[str, Any]]:
        """Newest first. ``starting_after`` is the last id of the previous page."""
        statement = self.select(table).where(*criteria)
        if request.starting_after is not None:
            statement = statement.where(table.c.id < request.starting_after)
        statement = statement.order_by(table.c.id.desc()).limit(request.limit + 1)
        rows = self.rows(statement)
        return Page(data=rows[: request.limit], has_more=len(rows) > request.limit)

    # -- writes ---------------------------------------------------------------------------
    def insert(self, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
        row = {**values, "tenant_id": self.tenant_id}
        self.connection.execute(insert(self._check(table)), [row])
        return row

    def insert_many(self, table: Table, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert rows that all have the same keys; a billing run writes thousands at once, so
        this is a bulk write (:mod:`turnus.store.bulk`: COPY on PostgreSQL)."""
        self._check(table)
        batch = rows if isinstance(rows, Sequence) else list(rows)
        return bulk.insert_rows(self.connection, table, batch, {"tenant_id": self.tenant_id})

    def update(self, table: Table, object_id: str, values: Mapping[str, Any]) -> int:
        statement = self.update_statement(table).where(table.c.id == object_id).values(**values)
        return int(self.connection.execute(statement).rowcount)
