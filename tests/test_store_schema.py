"""The migrations are the schema: they match the table definitions, and every merchant table
is keyed by tenant first."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, String, Table, insert, inspect, select

from turnus.store import migrate
from turnus.store.schema import metadata
from turnus.store.scope import TenantScope
from turnus.store.tables import GLOBAL_TABLES, tenants
from turnus.store.types import ExactDecimal, UTCDateTime


def test_migrations_are_at_head_and_match_the_tables(engine: Engine) -> None:
    assert migrate.is_current(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migrated_primary_keys_match_the_tables(engine: Engine) -> None:
    # (alembic's comparison above does not look at primary keys)
    migrated = inspect(engine)
    for table in metadata.sorted_tables:
        columns = migrated.get_pk_constraint(table.name)["constrained_columns"]
        assert columns == [c.name for c in table.primary_key.columns], table.name


@pytest.mark.parametrize(
    "table",
    [t for t in metadata.sorted_tables if t.name not in GLOBAL_TABLES],
    ids=lambda t: t.name,
)
def test_merchant_tables_are_keyed_by_tenant_first(table: Table) -> None:
    assert table.primary_key.columns.values()[0].name == "tenant_id"
    for index in table.indexes:
        assert index.columns.values()[0].name == "tenant_id", index.name
    for constraint in table.constraints:
        columns = getattr(constraint, "columns", None)
        if (
            columns is not None
            and constraint.__class__.__name__ == "UniqueConstraint"
            and "secret_hash" not in columns
        ):
            assert columns.values()[0].name == "tenant_id", constraint.name


def test_ledger_postings_are_indexed_by_day_with_brin_on_postgresql(engine: Engine) -> None:
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("ledger_entries")}
    by_day = indexes["ix_ledger_entries_tenant_id_posted_on"]
    assert by_day["column_names"] == ["tenant_id", "posted_on"]
    assert set(indexes) == {"ix_ledger_entries_tenant_id_posted_on"}  # the key aside
    if engine.dialect.name == "postgresql":
        assert by_day["dialect_options"]["postgresql_using"] == "brin"
        assert by_day["dialect_options"]["postgresql_with"] == {"autosummarize": "on"}


def test_scope_refuses_global_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        scope = TenantScope(connection, "ten_x")
        with pytest.raises(ValueError, match="not a tenant-scoped table"):
            scope.select(tenants)


def test_instants_and_decimals_round_trip_exactly(engine: Engine) -> None:
    scratch = MetaData()
    table = Table(
        "scratch_types",
        scratch,
        Column("id", String(10), primary_key=True),
        Column("at", UTCDateTime()),
        Column("price", ExactDecimal()),
    )
    scratch.create_all(engine)
    try:
        berlin = timezone(timedelta(hours=1))
        with engine.begin() as connection:
            connection.execute(
                insert(table),
                [
                    {
                        "id": "a",
                        "at": datetime(2026, 3, 29, 1, 30, tzinfo=berlin),
                        "price": Decimal("0.0125"),
                    },
                    {
                        "id": "b",
                        "at": datetime(2026, 1, 1, tzinfo=UTC),
                        "price": Decimal("123456789.123456789"),
                    },
                    {"id": "c", "at": datetime(2026, 1, 1, tzinfo=UTC), "price": Decimal(10000)},
                ],
            )
        with engine.connect() as connection:
            rows = {r.id: r for r in connection.execute(select(table))}
        assert rows["a"].at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
        assert rows["a"].at.tzinfo is not None
        assert rows["a"].price == Decimal("0.0125")
        assert rows["b"].price == Decimal("123456789.123456789")
        assert str(rows["c"].price) == "10000"
    finally:
        scratch.drop_all(engine)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), engine.begin() as connection:
        connection.execute(
            insert(tenants).values(
                id="ten_naive",
                mode="live",
                company_name="x",
                street="x",
                postcode="1",
                city="x",
                country="DE",
                timezone="Europe/Berlin",
                default_currency="EUR",
                default_locale="de",
                created_at=datetime(2026, 1, 1),
                updated_at=datetime(2026, 1, 1),
            )
        )
