"""Tenant scoping, enforced in one place.

Services never build a query against a merchant table themselves: they go through a
``TenantScope`` bound to one tenant, which adds ``tenant_id`` to every filter, insert, update
and delete. An object of another tenant is therefore indistinguishable from one that does not
exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Delete,
    Select,
    String,
    Table,
    Update,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from turnus.domain.errors import NotFound
from turnus.domain.pagination import Page, PageRequest
from turnus.store import bulk, json_text
from turnus.store.tables import GLOBAL_TABLES


class _OneOf(ColumnElement[bool]):
    """``column`` is one of ``values`` (not all strings): compiled per dialect, not cached (the
    values are written into the statement on SQLite). See ``one_of``."""

    inherit_cache = False
    type = Boolean()
    # a predicate in its own right: without this, dialects without a boolean type (SQLite)
    # render it as ``(... IN ...) = 1``, which no index can serve
    _is_implicitly_boolean = True

    def __init__(self, column: ColumnElement[Any], values: list[Any]) -> None:
        self.column = column
        self.values = values


class _OneOfStrings(ColumnElement[bool]):
    """``column`` is one of the strings (ids) bound as one JSON array (see ``one_of``). Its
    cache key is the column and the bound parameter's place, not the ids: every batch of a
    billing run reuses the statement compiled for the first (compiling costs more than the
    query)."""

    type = Boolean()
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("listed", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], values: list[str]) -> None:
        self.column = column
        self.values = values
        self.listed = bindparam("values", json_text.dumps(values), type_=String(), unique=True)


@compiles(_OneOf)
@compiles(_OneOfStrings)  # other dialects: printing a statement
def _one_of_in(element: _OneOf | _OneOfStrings, compiler: SQLCompiler, **kw: Any) -> str:
    listed = element.column.in_(
        bindparam("values", element.values, expanding=True, literal_execute=True, unique=True)
    )
    return compiler.process(listed, **kw)


@compiles(_OneOf, "postgresql")
def _one_of_any(element: _OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    array = bindparam("values", element.values, type_=ARRAY(element.column.type), unique=True)
    return compiler.process(element.column == any_(array), **kw)


@compiles(_OneOfStrings, "sqlite")
def _strings_json_each(element: _OneOfStrings, compiler: SQLCompiler, **kw: Any) -> str:
    values = func.json_each(element.listed).table_valued("value")
    return compiler.process(element.column.in_(select(values.c.value)), **kw)


@compiles(_OneOfStrings, "postgresql")
def _strings_unpacked(element: _OneOfStrings, compiler: SQLCompiler, **kw: Any) -> str:
    # Strings (ids) go as one JSON text, unpacked by the server: psycopg adapts a text array
    # element by element, which costs more than the query for a batch of ids. As ``IN (SELECT
    # ...)`` the server hashes the list or looks each id up in an index; ``= ANY(array(SELECT
    # ...))`` would compare every row with every id.
    unpacked = select(func.jsonb_array_elements_text(cast(element.listed, JSONB)))
    return compiler.process(element.column.in_(unpacked), **kw)


def one_of(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` for long lists (a batch of ids). On PostgreSQL, strings (ids)
    are bound as one JSON array that the server unpacks (``IN (SELECT
    jsonb_array_elements_text(...))``), other values as one array (``= ANY(:array)``). On
    SQLite, strings are one bound JSON array read by ``json_each``; other values are written
    into the statement when it runs instead of one bound parameter each (the driver handles
    one long literal list much faster). Statements with strings are compiled once and cached,
    like any other."""
    listed = list(values)
    if all(type(value) is str for value in listed):
        return _OneOfStrings(column, listed)
    return _OneOf(column, listed)


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
        result = self.connection.execute(statement)
        keys = tuple(result.keys())
        # each row a dict, made in C: a billing run reads hundreds of thousands
        return list(map(dict, map(zip, repeat(keys), result.all())))

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

    def update_many(self, table: Table, key: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Update each of the tenant's rows of ``table`` whose ``key`` column has a row's
        ``key`` value to that row's other values (all rows with the same keys), in bulk
        (:func:`turnus.store.bulk.update_rows`); the number of rows updated."""
        self._check(table)
        return bulk.update_rows(self.connection, table, key, rows, {"tenant_id": self.tenant_id})

    def update(self, table: Table, object_id: str, values: Mapping[str, Any]) -> int:
        statement = self.update_statement(table).where(table.c.id == object_id).values(**values)
        return int(self.connection.execute(statement).rowcount)
