"""COPY data made column by column (``turnus.store.copy_text``) stores exactly what an
``INSERT`` stores: strings with every character the text format escapes, NULL beside the
literal text ``\\N``, empty strings, booleans, integers, decimals, dates and instants; a
column of a type without a text form there goes through psycopg's dumpers instead."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
)

from turnus.store import bulk, copy_text
from turnus.store.types import UTCDateTime

TRICKY = [
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "",
    " ",
    "Grüße aus Köln 😀",
    "a\\tb",  # a backslash followed by t: not a tab
    "\\",
    "trailing\\",
    "\t\n\r\\",
]


@pytest.fixture
def scratch(engine: Engine):  # type: ignore[no-untyped-def]
    metadata = MetaData()
    table = Table(
        "scratch_copy_text",
        metadata,
        Column("id", String(40), primary_key=True),
        Column("note", Text(), nullable=True),
        Column("flag", Boolean(), nullable=True),
        Column("big", BigInteger(), nullable=True),
        Column("amount", Numeric(38, 12), nullable=True),
        Column("day", Date(), nullable=True),
        Column("at", UTCDateTime(), nullable=True),
        Column("ratio", Float(), nullable=True),
    )
    metadata.create_all(engine)
    try:
        yield table
    finally:
        metadata.drop_all(engine)


def _stored(engine: Engine, table: Table) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        return {r.id: r._asdict() for r in connection.execute(select(table))}


def _both_ways(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows as an ``INSERT`` stores them; asserts that ``insert_rows`` stores the same."""
    with engine.begin() as connection:
        connection.execute(table.delete())
        connection.execute(insert(table), [dict(r) for r in rows])
    expected = _stored(engine, table)
    with engine.begin() as connection:
        connection.execute(table.delete())
        assert bulk.insert_rows(connection, table, [dict(r) for r in rows]) == len(rows)
    assert _stored(engine, table) == expected
    return expected


def test_every_escaped_character_and_null_are_stored_as_an_insert_stores_them(
    engine: Engine, scratch: Table
) -> None:
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    rows = [
        {
            "id": f"r{index}",
            "note": note,
            "flag": index % 3 == 0,
            "big": 2**62 - index,
            "amount": Decimal("-1234.500000000001"),
            "day": date(2026, 2, 28),
            "at": at,
        }
        for index, note in enumerate(TRICKY)
    ]
    rows.append(
        {
            "id": "nulls",
            "note": None,
            "flag": None,
            "big": None,
            "amount": None,
            "day": None,
            "at": None,
        }
    )
    stored = _both_ways(engine, scratch, rows)
    assert [stored[f"r{index}"]["note"] for index in range(len(TRICKY))] == TRICKY
    assert stored["r1"]["flag"] is False and stored["r3"]["flag"] is True
    assert stored["r0"]["big"] == 2**62 and stored["r0"]["amount"] == Decimal("-1234.500000000001")
    assert stored["r0"]["at"] == at and stored["r0"]["day"] == date(2026, 2, 28)
    assert stored["nulls"] == {"id": "nulls", **dict.fromkeys(stored["r0"].keys() - {"id"})}


@pytest.mark.parametrize("note", TRICKY)
def test_each_string_alone_is_stored_as_an_insert_stores_it(
    engine: Engine, scratch: Table, note: str
) -> None:
    """Alone in its column, so that whether the column needs escaping depends on it only."""
    assert _both_ways(engine, scratch, [{"id": "only", "note": note}])["only"]["note"] == note


def test_a_column_without_a_text_form_goes_through_the_drivers_dumpers(
    engine: Engine, scratch: Table
) -> None:
    assert copy_text.column([0.5, None]) is None
    assert copy_text.encoded([["a"], [0.5]]) is None
    rows = [
        {"id": "x", "note": "tab\there", "ratio": 0.1},
        {"id": "y", "note": None, "ratio": None},
    ]
    stored = _both_ways(engine, scratch, rows)
    assert stored["x"]["ratio"] == pytest.approx(0.1) and stored["x"]["note"] == "tab\there"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.none(),
            # any text a database stores: no NUL, no lone surrogate (not encodable as UTF-8)
            st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
        ),
        max_size=12,
    )
)
def test_any_strings_are_stored_as_an_insert_stores_them(
    engine: Engine, scratch: Table, notes: list[str | None]
) -> None:
    rows = [{"id": f"n{index}", "note": note} for index, note in enumerate(notes)]
    if not rows:
        return
    stored = _both_ways(engine, scratch, rows)
    assert [stored[f"n{index}"]["note"] for index in range(len(notes))] == notes


def test_the_text_of_columns() -> None:
    assert copy_text.column(["a", None, "b\tc"]) == ["a", "\\N", "b\\tc"]
    assert copy_text.column(["\\N"]) == ["\\\\N"]
    assert copy_text.column([None, None]) == ["\\N", "\\N"]
    assert copy_text.column([True, False, None]) == ["t", "f", "\\N"]
    assert copy_text.column([1, -2, None]) == ["1", "-2", "\\N"]
    assert copy_text.column([Decimal("0.10"), Decimal("-3")]) == ["0.10", "-3"]
    assert copy_text.column([date(2026, 1, 31)]) == ["2026-01-31"]
    assert copy_text.column([datetime(2026, 1, 31, 23, 0, tzinfo=UTC)]) == [
        "2026-01-31T23:00:00+00:00"
    ]
    assert copy_text.column([1, "a"]) is None  # mixed types: the driver's dumpers decide
    assert copy_text.encoded([["a", "b"], [1, None]]) == "a\t1\nb\t\\N\n"
    assert copy_text.encoded([[], []]) == ""


def test_a_column_of_one_object_has_its_text_once_for_every_row() -> None:
    """A batch's day, instant or run is one object in every row: its text is made once."""
    tab = "tab\there"
    day = date(2026, 3, 2)
    for value, text in ((tab, "tab\\there"), (None, "\\N"), (day, "2026-03-02"), (7, "7")):
        assert copy_text.column([value] * 3) == [text] * 3
    assert copy_text.column([0.5] * 3) is None  # still no text form for a float
    assert copy_text.one_object([day, day]) and not copy_text.one_object([day, date(2026, 3, 2)])
    assert not copy_text.one_object([])


def test_rows_sharing_one_object_are_stored_as_an_insert_stores_them(
    engine: Engine, scratch: Table
) -> None:
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    note = "shared\\note\n"
    rows = [{"id": f"s{index}", "note": note, "at": at, "day": None} for index in range(4)]
    stored = _both_ways(engine, scratch, rows)
    assert {stored[f"s{index}"]["note"] for index in range(4)} == {note}
    assert {stored[f"s{index}"]["at"] for index in range(4)} == {at}
