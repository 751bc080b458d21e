"""Writing many rows at once.

On PostgreSQL rows go through ``COPY ... FROM STDIN`` on the connection's own transaction: the
same table, constraints and triggers as an ``INSERT``, a fraction of the cost per row. Every
value is bound first exactly as SQLAlchemy would bind it for an ``INSERT`` (the column types'
bind processors: instants in UTC, exact decimals, JSON documents), and a failure is raised as
the SQLAlchemy exception an ``INSERT`` would raise (``IntegrityError`` for a duplicate key).
Other databases get an executemany ``INSERT``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

_Binder = tuple[tuple[str, ...], list[tuple[int, Callable[[Any], Any]]]]
_binders: dict[tuple[str, str, tuple[str, ...]], _Binder] = {}


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (all with the keys of the first) into ``table``; the number written."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), list(rows))
    return len(rows)


def _binder(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Binder:
    key = (dialect.name, table.name, names)
    found = _binders.get(key)
    if found is None:
        processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(names):
            column_type = table.c[name].type
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((index, process))
        found = (names, processors)
        _binders[key] = found
    return found


def _copy(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    from psycopg import Error, sql

    dialect = connection.dialect
    names, processors = _binder(dialect, table, tuple(rows[0]))
    values_of = itemgetter(*names)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = list(values_of(row)) if len(names) > 1 else [values_of(row)]
                for index, process in processors:
                    values[index] = process(values[index])
                copy.write_row(values)
    except Error as exc:
        raise DBAPIError.instance(
            statement.as_string(driver), None, exc, Error, dialect=dialect
        ) from exc
