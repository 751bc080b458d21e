"""Units of work: read-only ones beside a writer, and ones inside a caller's transaction."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from tests.conftest import Merchant
from turnus.services.uow import UnitOfWork
from turnus.store.tables import tenants


def _tenant_count(uow: UnitOfWork) -> int:
    return int(uow.connection.execute(select(func.count()).select_from(tenants)).scalar_one())


def test_a_read_only_unit_of_work_reads_one_snapshot_while_another_writes(
    merchant: Merchant, engine: Engine
) -> None:
    with UnitOfWork(engine, read_only=True) as reader:
        before = _tenant_count(reader)
        # the reader holds no write lock (SQLite would otherwise make this writer wait 30 s)
        with UnitOfWork(engine) as writer:
            writer.connection.execute(
                tenants.update()
                .where(tenants.c.id == merchant.tenant_id)
                .values(company_name="Neu")
            )
        name = reader.connection.execute(
            select(tenants.c.company_name).where(tenants.c.id == merchant.tenant_id)
        ).scalar_one()
        if engine.dialect.name == "sqlite":  # PostgreSQL reads what is committed
            assert name != "Neu"  # its snapshot predates the writer's commit
        assert _tenant_count(reader) == before
    with UnitOfWork(engine, read_only=True) as later:
        assert (
            later.connection.execute(
                select(tenants.c.company_name).where(tenants.c.id == merchant.tenant_id)
            ).scalar_one()
            == "Neu"
        )


def test_a_borrowing_unit_of_work_leaves_the_transaction_and_connection_to_the_caller(
    merchant: Merchant, engine: Engine
) -> None:
    with engine.connect() as connection:
        with connection.begin() as transaction:
            with UnitOfWork.borrowing(connection) as uow:
                uow.connection.execute(
                    tenants.update()
                    .where(tenants.c.id == merchant.tenant_id)
                    .values(company_name="Zwei")
                )
            assert transaction.is_active and not connection.closed
            transaction.rollback()
        assert not connection.closed
    with UnitOfWork(engine) as uow:
        assert (
            uow.connection.execute(
                select(tenants.c.company_name).where(tenants.c.id == merchant.tenant_id)
            ).scalar_one()
            != "Zwei"
        )
