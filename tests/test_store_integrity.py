"""The references the database does not enforce (invoices to customers, items and owed mails to
invoices) are checked by ``turnus db check``; the index of drafts by finalization day holds
drafts only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, text
from typer.testing import CliRunner

from tests.conftest import Merchant
from tests.test_contracts_api import catalog, signup
from turnus.cli import app
from turnus.services.billing import run
from turnus.services.wall_clock import FixedWallClock
from turnus.store.billing_tables import invoice_items, invoices
from turnus.store.document_tables import owed_mails
from turnus.store.integrity import dangling_references

runner = CliRunner()


def billed_invoice(merchant: Merchant, engine: Engine, wall_clock: FixedWallClock) -> str:
    signup(merchant, catalog(merchant), "flex")
    assert run.bill(engine, merchant.tenant_id, wall_clock).invoices == 1
    with engine.connect() as connection:
        return str(
            connection.execute(
                select(invoices.c.id).where(invoices.c.tenant_id == merchant.tenant_id)
            ).scalar_one()
        )


@pytest.fixture
def planted(merchant: Merchant, engine: Engine, wall_clock: FixedWallClock) -> Iterator[str]:
    """An invoice of a customer that does not exist, and an item and an owed mail of an invoice
    that does not exist, the first two copies of real ones (removed afterwards: the check
    covers every tenant)."""
    invoice_id = billed_invoice(merchant, engine, wall_clock)
    with engine.begin() as connection:
        invoice: dict[str, Any] = dict(
            connection.execute(select(invoices).where(invoices.c.id == invoice_id)).mappings().one()
        )
        items = select(invoice_items).where(invoice_items.c.invoice_id == invoice_id)
        item: dict[str, Any] = dict(connection.execute(items).mappings().first() or {})
        connection.execute(
            insert(invoices).values(
                {**invoice, "id": "inv_orphan", "number": None, "customer_id": "cus_gone"}
            )
        )
        connection.execute(
            insert(invoice_items).values(
                {**item, "id": "ili_orphan", "invoice_id": "inv_gone", "contract_id": None}
            )
        )
        connection.execute(
            insert(owed_mails).values(
                tenant_id=merchant.tenant_id, id="owe_planted", document_ids=["inv_gone"]
            )
        )
    yield merchant.tenant_id
    with engine.begin() as connection:
        connection.execute(delete(owed_mails).where(owed_mails.c.id == "owe_planted"))
        connection.execute(delete(invoice_items).where(invoice_items.c.id == "ili_orphan"))
        connection.execute(delete(invoices).where(invoices.c.id == "inv_orphan"))


def test_billed_invoices_and_items_refer_to_existing_rows(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    billed_invoice(merchant, engine, wall_clock)
    with engine.connect() as connection:
        assert dangling_references(connection) == []


def test_rows_that_point_nowhere_are_found_with_examples(engine: Engine, planted: str) -> None:
    with engine.connect() as connection:
        found = {str(d.reference): (d.count, d.examples) for d in dangling_references(connection)}
    assert found == {
        "invoices.customer_id -> customers.id": (1, ((planted, "inv_orphan"),)),
        "invoice_items.invoice_id -> invoices.id": (1, ((planted, "ili_orphan"),)),
        "owed_mails.document_ids[] -> invoices.id": (1, ((planted, "inv_gone"),)),
    }


def test_db_check_reports_dangling_rows_and_fails(cli_database: None, planted: str) -> None:
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 1
    assert (
        f"1 rows of invoice_items.invoice_id -> invoices.id point nowhere "
        f"(e.g. {planted}/ili_orphan)" in result.output
    )
    assert "invoices.customer_id -> customers.id" in result.output


def test_db_check_passes_on_a_whole_database(
    cli_database: None, merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    billed_invoice(merchant, engine, wall_clock)
    result = runner.invoke(app, ["db", "check"])
    assert result.exit_code == 0, result.output
    assert "all references whole" in result.output


def test_the_index_of_drafts_by_finalization_day_holds_drafts_only(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            definition = connection.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                {"name": "ix_invoices_tenant_id_finalize_on"},
            ).scalar_one()
        else:
            definition = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :name"),
                {"name": "ix_invoices_tenant_id_finalize_on"},
            ).scalar_one()
    assert "(tenant_id, finalize_on)" in definition
    assert "WHERE" in definition and "'draft'" in definition
