"""Writing many rows at once.

On PostgreSQL rows go through ``COPY ... FROM STDIN`` on the connection's own transaction: the
same table, constraints and triggers as an ``INSERT``, a fraction of the cost per row. Every
value is bound first exactly as SQLAlchemy would bind it for an ``INSERT`` (the column types'
bind processors: instants in UTC, exact decimals; JSON documents as their text, see
:mod:`turnus.store.json_text`), and a failure is raised as the SQLAlchemy exception an
``INSERT`` would raise (``IntegrityError`` for a duplicate key). The COPY data is made column
by column (:mod:`turnus.store.copy_text`). On SQLite the same bound values go to the driver's
executemany directly (SQLAlchemy's per-row parameter handling costs more than SQLite's insert
itself).

Rows of one call share many values (the instant of a run, the seller's document, a billing
date): each distinct object is bound once per column and call."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, Text, bindparam, cast, column, func, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError, DBAPIError
from sqlalchemy.types import TypeEngine

from turnus.store import copy_text, json_text

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
            process: _Processor | None = implementation.bind_processor(dialect)
            if dialect.name == "postgresql" and _python_type(implementation) in (date, datetime):
                process = _iso_text(process)
            if process is not None:
                processors.append((index, process))
        found = (names, processors)
        _binders[key] = found
    return found


def _python_type(implementation: TypeEngine[Any]) -> type | None:
    try:
        return implementation.python_type
    except NotImplementedError:
        return None


def _iso_text(process: _Processor | None) -> _Processor:
    """Dates and instants go into COPY as ISO 8601 text, which the server reads in any
    ``DateStyle``: psycopg's dumpers take several times longer per value than writing the
    text, and a run's rows share most of their dates (each distinct one is written once)."""
    if process is None:
        return lambda value: None if value is None else value.isoformat()

    def processed(value: Any) -> Any:
        bound = process(value)
        return None if bound is None else bound.isoformat()

    return processed


def _bound(
    dialect: Dialect,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
) -> tuple[tuple[str, ...], list[Sequence[Any]]]:
    """The column names (the constants' first, then the first row's, each in table order) and
    the values of each column, as bound for it, row by row. Bound column by column: a tight
    loop per column costs a fraction of visiting every processed value of every row in turn."""
    fixed_names, fixed_steps = _binder(dialect, table, _columns(table, list(constants)))
    own = _columns(table, [name for name in rows[0] if name not in constants])
    own_names, steps = _binder(dialect, table, own)
    if not fixed_names and not own_names:
        raise CompileError(f"no columns to insert into {table.name}")
    fixed = [constants[name] for name in fixed_names]
    for index, process in fixed_steps:
        fixed[index] = process(fixed[index])
    count = len(rows)
    columns: list[Sequence[Any]] = [[value] * count for value in fixed]
    if len(own_names) == 1:
        columns.append([row[own_names[0]] for row in rows])
    elif own_names:  # each row's values picked and turned into columns in C, not key by key
        columns.extend(zip(*map(itemgetter(*own_names), rows), strict=True))
    offset = len(fixed)
    for index, process in steps:
        columns[offset + index] = _processed(process, columns[offset + index])
    return fixed_names + own_names, columns


def _processed(process: _Processor, values: Sequence[Any]) -> list[Any]:
    """``process`` of each value, once per distinct object (``values`` keeps every object
    alive meanwhile, so an id stands for one object)."""
    if copy_text.one_object(values):  # a batch's day or instant, say: checked in C
        return [process(values[0])] * len(values)
    memo: dict[int, Any] = {}
    result: list[Any] = []
    append = result.append
    for value in values:
        key = id(value)
        if key in memo:
            append(memo[key])
        else:
            append(memo.setdefault(key, process(value)))
    return result


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
    connection.exec_driver_sql(statement, list(zip(*values, strict=True)))


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
    names, columns = _bound(dialect, table, rows, constants)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    data = copy_text.encoded(columns)
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            if data is not None:
                copy.write(data)
            else:  # a type without a text form of ours: psycopg's dumpers, row by row
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
    except Error as exc:
        raise DBAPIError.instance(
            statement.as_string(driver), None, exc, Error, dialect=dialect
        ) from exc


def update_rows(
    connection: Connection,
    table: Table,
    key: str,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
) -> int:
    """Set the other columns of each row of ``table`` whose ``key`` (and ``constants``, say
    the tenant) matches a row of ``rows`` (all with the same keys) to that row's values; the
    number of rows updated. On PostgreSQL one statement joins the rows, sent as one JSON
    document of the values as COPY would write them (``json_to_recordset``, each value cast
    to its column's type): an ``UPDATE`` per row costs a round trip and a plan each (measured,
    2,000 rows: 32 us a row, 17 with one statement, most of it the server updating the row).
    Elsewhere the driver executes one statement for every row."""
    if not rows:
        return 0
    criteria = [table.c[name] == value for name, value in constants.items()]
    if connection.dialect.name == "postgresql":
        bound, columns = _bound(connection.dialect, table, rows, {})
        document = json.dumps(
            [dict(zip(bound, row, strict=True)) for row in zip(*columns, strict=True)],
            default=str,
        )
        given = (
            func.json_to_recordset(cast(bindparam("rows", document, type_=Text), JSON))
            .table_valued(*(column(name, Text) for name in bound))
            .render_derived(name="given", with_types=True)
        )
        statement = (
            update(table)
            .where(*criteria, table.c[key] == cast(given.c[key], table.c[key].type))
            .values(
                {name: cast(given.c[name], table.c[name].type) for name in bound if name != key}
            )
        )
        return int(connection.execute(statement).rowcount)
    names = [name for name in rows[0] if name != key]
    statement = (
        update(table)
        .where(*criteria, table.c[key] == bindparam(f"key_{key}"))
        .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names})
    )
    parameters = [
        {f"key_{key}": row[key], **{f"new_{name}": row[name] for name in names}} for row in rows
    ]
    return int(connection.execute(statement, parameters).rowcount)
