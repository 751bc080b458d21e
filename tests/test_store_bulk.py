"""Bulk writes store exactly what an ``INSERT`` stores, and ``one_of`` selects exactly the rows
of its list, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    null,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from turnus.store import bulk
from turnus.store.scope import one_of
from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime

BERLIN = timezone(timedelta(hours=1))


@pytest.fixture
def scratch(engine: Engine):  # type: ignore[no-untyped-def]
    metadata = MetaData()
    table = Table(
        "scratch_bulk",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("number", Integer()),
        Column("at", UTCDateTime()),
        Column("price", ExactDecimal()),
        Column("doc", JSONDoc),
    )
    metadata.create_all(engine)
    try:
        yield table
    finally:
        metadata.drop_all(engine)


ROWS = [
    {
        "id": "a",
        "number": 1,
        "at": datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
        "price": Decimal("0.0125"),
        "doc": {"name": "Müller & Söhne", "lines": [1, 2.5, None], "nested": {"ok": True}},
    },
    {"id": "b", "number": 2, "at": None, "price": None, "doc": None},
    {"id": "c", "number": 3, "at": None, "price": Decimal(10000), "doc": JSON.NULL},
    {"id": "d", "number": 4, "at": None, "price": None, "doc": null()},
    {"id": "e", "number": 5, "at": None, "price": None, "doc": {"tab\there": "line\nbreak\\"}},
]


def _stored(engine: Engine, table: Table) -> tuple[dict[str, dict[str, object]], dict[str, bool]]:
    """Each row's values as read back, and whether its document is SQL NULL."""
    with engine.connect() as connection:
        rows = {r.id: r._asdict() for r in connection.execute(select(table))}
        nulls = {
            r.id: r.missing
            for r in connection.execute(text("SELECT id, doc IS NULL AS missing FROM scratch_bulk"))
        }
    return rows, nulls


def test_bulk_rows_are_stored_as_an_insert_stores_them(engine: Engine, scratch: Table) -> None:
    with engine.begin() as connection:
        connection.execute(insert(scratch), [dict(r) for r in ROWS])
    expected = _stored(engine, scratch)
    with engine.begin() as connection:
        connection.execute(scratch.delete())
        assert bulk.insert_rows(connection, scratch, [dict(r) for r in ROWS]) == len(ROWS)
    assert _stored(engine, scratch) == expected
    rows, nulls = expected
    assert rows["a"]["at"] == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert rows["a"]["doc"] == ROWS[0]["doc"]
    assert rows["e"]["doc"] == {"tab\there": "line\nbreak\\"}
    # None and JSON.NULL are the JSON null (SQLAlchemy's default), null() is SQL NULL
    assert nulls == {"a": False, "b": False, "c": False, "d": True, "e": False}


def test_bulk_updates_store_what_an_insert_stores(engine: Engine, scratch: Table) -> None:
    """``update_rows`` sets each keyed row to its values exactly as an ``INSERT`` of them
    stores them (instants, exact decimals, documents, JSON null and SQL NULL), and touches
    no other row and no row the constants exclude."""
    with engine.begin() as connection:
        connection.execute(insert(scratch), [dict(r) for r in ROWS])
    expected = _stored(engine, scratch)
    blank = {"number": 0, "at": None, "price": None, "doc": {"old": True}}
    with engine.begin() as connection:
        connection.execute(scratch.delete())
        bulk.insert_rows(connection, scratch, [{"id": r["id"], **blank} for r in ROWS])
        bulk.insert_rows(connection, scratch, [{"id": "other", **blank}])
        updated = bulk.update_rows(connection, scratch, "id", [dict(r) for r in ROWS], {})
        assert updated == len(ROWS)
        # a constant the rows do not match: nothing changes
        assert (
            bulk.update_rows(connection, scratch, "id", [{"id": "a", "number": 9}], {"number": 8})
            == 0
        )
    rows, nulls = _stored(engine, scratch)
    other = rows.pop("other")
    nulls.pop("other")
    assert (rows, nulls) == expected
    assert other["number"] == 0 and other["doc"] == {"old": True}


def test_constants_win_and_a_duplicate_key_is_an_integrity_error(
    engine: Engine, scratch: Table
) -> None:
    with engine.begin() as connection:
        bulk.insert_rows(connection, scratch, [{"id": "x", "number": 1}], {"number": 7})
    with engine.connect() as connection:
        assert connection.execute(select(scratch.c.number)).scalar_one() == 7
    with pytest.raises(IntegrityError), engine.begin() as connection:
        bulk.insert_rows(connection, scratch, [{"id": "y"}, {"id": "x"}])
    with engine.connect() as connection:  # the failed batch wrote nothing
        assert connection.execute(select(scratch.c.id)).scalars().all() == ["x"]


def test_one_of_selects_exactly_the_listed_rows(engine: Engine, scratch: Table) -> None:
    ids = [f"id{n:05d}" for n in range(3000)]
    with engine.begin() as connection:
        bulk.insert_rows(connection, scratch, [{"id": i, "number": n} for n, i in enumerate(ids)])
    wanted = [*ids[::3], "missing", ids[3]]
    with engine.connect() as connection:
        found = connection.execute(select(scratch.c.id).where(one_of(scratch.c.id, wanted)))
        assert sorted(found.scalars()) == sorted(set(ids[::3]))
        numbers = connection.execute(
            select(scratch.c.number).where(one_of(scratch.c.number, [5, 7, 99999]))
        )
        assert sorted(numbers.scalars()) == [5, 7]
        empty = connection.execute(select(scratch.c.id).where(one_of(scratch.c.id, [])))
        assert empty.scalars().all() == []


def test_statements_with_one_of_ids_are_compiled_once_and_bind_their_own_ids(
    engine: Engine, scratch: Table
) -> None:
    """A billing run builds the same statements for every batch with other ids: they share
    one cache key (so one compiled form) and each still selects its own rows."""
    ids = [f"id{n:05d}" for n in range(100)]
    with engine.begin() as connection:
        bulk.insert_rows(connection, scratch, [{"id": i, "number": n} for n, i in enumerate(ids)])
    first = select(scratch.c.id).where(one_of(scratch.c.id, ids[:3]))
    second = select(scratch.c.id).where(one_of(scratch.c.id, [ids[50], "missing"]))
    first_key, second_key = first._generate_cache_key(), second._generate_cache_key()
    assert first_key is not None and second_key is not None
    assert first_key.key == second_key.key
    with engine.connect() as connection:
        assert sorted(connection.execute(first).scalars()) == ids[:3]
        assert connection.execute(second).scalars().all() == [ids[50]]
        assert sorted(connection.execute(first).scalars()) == ids[:3]


def test_one_of_is_served_by_the_tenants_index(engine: Engine) -> None:
    """A plain predicate, not ``(... IN ...) = 1``: SQLite looks each id up in the primary key
    instead of reading all of the tenant's rows (a billing run would read every contract once
    per batch)."""
    from turnus.store.contract_tables import contracts

    statement = select(contracts.c.id).where(
        contracts.c.tenant_id == "ten_x", one_of(contracts.c.id, ["con_a", "con_b"])
    )
    compiled = statement.compile(engine)
    assert "= 1" not in str(compiled) and "= true" not in str(compiled).lower()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            plan = " ".join(
                row[3]
                for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())
                )
            )
        assert "(tenant_id=? AND id=?)" in plan, plan
