"""Writing many rows at once.

On PostgreSQL rows go through ``COPY ... FROM STDIN`` on the connection's own transaction: the
same table, constraints and triggers as an ``INSERT``, a fraction of the cost per row. Every
value is bound first exactly as SQLAlchemy would bind it for an ``INSERT`` (the column types'
bind processors: instants in UTC, exact decimals, JSON documents), and a failure is raised as
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

_Processor = Callable[[Any], Any]
# per (dialect, table, columns): the columns, and the bind processor and JSON-ness by position
_Binder = tuple[tuple[str, ...], list[tuple[int, _Processor, bool]]]
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
        processors: list[tuple[int, _Processor, bool]] = []
        for index, name in enumerate(names):
            implementation = table.c[name].type.dialect_impl(dialect)
            process = implementation.bind_processor(dialect)
            if process is not None:
                processors.append((index, process, isinstance(implementation, JSON)))
        found = (names, processors)
        _binders[key] = found
    return found


def _bound(
    dialect: Dialect,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
    json_text: Callable[[Any], Any] | None = None,
) -> tuple[tuple[str, ...], Iterator[list[Any]]]:
    """The column names (the constants' first, then the first row's, each in table order) and
    each row's values as bound for them; ``json_text`` is applied to bound JSON values."""
    fixed = _columns(table, list(constants))
    own = _columns(table, [name for name in rows[0] if name not in constants])
    fixed_names, fixed_steps = _steps(dialect, table, fixed, json_text)
    own_names, steps = _steps(dialect, table, own, json_text)
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


def _steps(
    dialect: Dialect,
    table: Table,
    names: tuple[str, ...],
    json_text: Callable[[Any], Any] | None,
) -> tuple[tuple[str, ...], list[tuple[int, _Processor]]]:
    names, processors = _binder(dialect, table, names)
    steps: list[tuple[int, _Processor]] = []
    for index, process, is_json in processors:
        if is_json and json_text is not None:
            steps.append((index, _then(process, json_text)))
        else:
            steps.append((index, process))
    return names, steps


def _then(first: _Processor, second: _Processor) -> _Processor:
    return lambda value: second(first(value))


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
    from psycopg.adapt import PyFormat
    from psycopg.types.json import Json, Jsonb

    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None
    # JSON goes into COPY's text as the connection's own JSON dumper writes it for an INSERT
    dumper = driver.adapters.get_dumper(Jsonb, PyFormat.TEXT)(Jsonb, driver)

    def json_text(bound: Any) -> Any:
        if not isinstance(bound, Json | Jsonb):
            return bound
        dumped = dumper.dump(bound)
        return None if dumped is None else bytes(dumped).decode()

    names, values = _bound(dialect, table, rows, constants, json_text)
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
