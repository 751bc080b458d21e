"""Writing many rows at once.

On PostgreSQL rows go through ``COPY ... FROM STDIN`` on the connection's own transaction: the
same table, constraints and triggers as an ``INSERT``, a fraction of the cost per row. Every
value is bound first exactly as SQLAlchemy would bind it for an ``INSERT`` (the column types'
bind processors: instants in UTC, exact decimals; JSON documents as their text, see
:mod:`turnus.store.json_text`), and a failure is raised as
the SQLAlchemy exception an ``INSERT`` would raise (``IntegrityError`` for a duplicate key).
On SQLite the same bound values go to the driver's executemany directly (SQLAlchemy's
per-row parameter handling costs more than SQLite's insert itself).

Rows of one call share many values (the instant of a run, the seller's document, a billing
date): each distinct object is bound once per column and call."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError, DBAPIError

from turnus.store import json_text

_Processor = Callable[[Any], Any]
# per (dialect, table, columns): the columns, and each column's bind processor by position
_Binder = tuple[tuple[str, ...], list[tuple[int, _Processor]]]
_binders: dict[tuple[str, str, tuple[str, ...]], _Binder] = {}


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any] | None = None,
) -> int:
    """Insert ``rows`` (all with the keys of the first) into ``table``, each with the values of
    ``constants`` too (they win over a row's own); the number written."""
    if not rows:
        return 0
    constants = constants or {}
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows, constants)
    elif connection.dialect.name == "sqlite":
        _executemany(connection, table, rows, constants)
    else:
        connection.execute(insert(table), [{**row, **constants} for row in rows])
    return len(rows)


def _columns(table: Table, given: Sequence[str]) -> tuple[str, ...]:
    """The columns given, in the table's order (as an ``INSERT`` would name them)."""
    names = tuple(column.key for column in table.columns if column.key in given)
    if len(names) != len(set(given)):
        unknown = sorted(set(given) - set(names))
        raise CompileError(f"Unconsumed column names: {', '.join(unknown)}")
    return names


def _binder(dialect: Dialect, table: Table, names: tuple[str, ...]) -> _Binder:
    key = (dialect.name, table.name, names)
    found = _binders.get(key)
    if found is None:
        processors: list[tuple[int, _Processor]] = []
        for index, name in enumerate(names):
            implementation = table.c[name].type.dialect_impl(dialect)
            if isinstance(implementation, JSON):
                # the document's text, as both engines' JSON serializer writes it
                processors.append((index, json_text.bound))
                continue
            process = implementation.bind_processor(dialect)
            if process is not None:
                processors.append((index, process))
        found = (names, processors)
        _binders[key] = found
    return found


def _bound(
    dialect: Dialect,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
) -> tuple[tuple[str, ...], Iterator[list[Any]]]:
    """The column names (the constants' first, then the first row's, each in table order) and
    each row's values as bound for them."""
    fixed_names, fixed_steps = _binder(dialect, table, _columns(table, list(constants)))
    own = _columns(table, [name for name in rows[0] if name not in constants])
    own_names, steps = _binder(dialect, table, own)
    prefix = [constants[name] for name in fixed_names]
    for index, process in fixed_steps:
        prefix[index] = process(prefix[index])
    offset = len(prefix)
    values_of: Callable[[Mapping[str, Any]], Any] = (
        itemgetter(*own_names) if own_names else lambda row: ()
    )
    single = len(own_names) == 1

    def values() -> Iterator[list[Any]]:
        # by column: id of a value -> (the value, kept alive; its bound form)
        memos: list[dict[int, tuple[Any, Any]]] = [{} for _ in steps]
        for row in rows:
            found = [*prefix, values_of(row)] if single else [*prefix, *values_of(row)]
            for (index, process), memo in zip(steps, memos, strict=True):
                value = found[offset + index]
                hit = memo.get(id(value))
                if hit is None or hit[0] is not value:
                    hit = memo[id(value)] = (value, process(value))
                found[offset + index] = hit[1]
            yield found

    return fixed_names + own_names, values()


def _executemany(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
) -> None:
    dialect = connection.dialect
    names, values = _bound(dialect, table, rows, constants)
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    marks = ", ".join("?" for _ in names)  # SQLite's paramstyle (qmark)
    # identifiers from the table's metadata, quoted by the dialect; values are bound
    statement = f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES ({marks})"  # noqa: S608
    connection.exec_driver_sql(statement, [tuple(v) for v in values])


def _copy(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
) -> None:
    from psycopg import Error, sql

    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None
    names, values = _bound(dialect, table, rows, constants)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except Error as exc:
        raise DBAPIError.instance(
            statement.as_string(driver), None, exc, Error, dialect=dialect
        ) from exc
