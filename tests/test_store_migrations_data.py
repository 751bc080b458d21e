"""Migrations that move data: 0016 turns ledger postings into bookings and back, keeping every
account's balance per document and transaction; 0017 lists owed mails per row and back."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, create_engine, make_url, text

from tests.conftest import _fresh_postgres
from turnus.store import migrate
from turnus.store.database import create_database_engine

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# (transaction, document, account, debit, credit), in the order they were posted
POSTINGS = [
    ("ltx_1", "inv_1", "receivables", 11900, 0),  # an invoice: 100.00 and 19 % VAT
    ("ltx_1", "inv_1", "revenue:domestic:DE:19", 0, 10000),
    ("ltx_1", "inv_1", "vat:DE:19", 0, 1900),
    ("ltx_2", "gs_1", "receivables", 0, 595),  # a credit note, to the credit balance
    ("ltx_2", "gs_1", "revenue:domestic:DE:19", 500, 0),
    ("ltx_2", "gs_1", "vat:DE:19", 95, 0),
    ("ltx_2", "gs_1", "receivables", 595, 0),
    ("ltx_2", "gs_1", "customer_credit", 0, 595),
    ("ltx_3", "inv_1", "bank", 11900, 0),  # its payment
    ("ltx_3", "inv_1", "receivables", 0, 11900),
]


@pytest.fixture
def scratch(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, on the suite's database server, migrated to 0015."""
    name = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url, name = _fresh_postgres(database_url)
    engine = create_database_engine(url)
    migrate.upgrade(engine, "0015")
    yield engine
    engine.dispose()
    if name is not None:
        admin = create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _revision(engine: Engine, revision: str, down: bool = False) -> None:
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _rows_of(engine: Engine, name: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        return [dict(r) for r in connection.execute(sa.select(table)).mappings()]


def _rows(engine: Engine) -> list[dict[str, Any]]:
    return _rows_of(engine, "ledger_entries")


def _balances(postings: list[tuple[str, str, str, int, int]]) -> dict[tuple[str, str], int]:
    """Debits less credits per (transaction, account)."""
    found: dict[tuple[str, str], int] = defaultdict(int)
    for transaction, _, account, debit, credit in postings:
        found[(transaction, account)] += debit - credit
    return {key: value for key, value in found.items() if value}


def test_postings_become_bookings_and_back(scratch: Engine) -> None:
    old = sa.table(
        "ledger_entries",
        *(
            sa.column(name)
            for name in (
                "tenant_id",
                "id",
                "transaction_id",
                "posted_on",
                "account",
                "debit",
                "credit",
                "currency",
                "customer_id",
                "document_type",
                "document_id",
                "memo",
                "created_at",
            )
        ),
    )
    with scratch.begin() as connection:
        connection.execute(
            old.insert(),
            [
                {
                    "tenant_id": "ten_1",
                    "id": f"led_{index:02d}",
                    "transaction_id": transaction,
                    "posted_on": DAY,
                    "account": account,
                    "debit": debit,
                    "credit": credit,
                    "currency": "EUR",
                    "customer_id": "cus_1",
                    "document_type": "invoice" if document.startswith("inv") else "credit_note",
                    "document_id": document,
                    "memo": document.upper(),
                    "created_at": AT,
                }
                for index, (transaction, document, account, debit, credit) in enumerate(POSTINGS)
            ],
        )

    _revision(scratch, "0016")
    bookings = sorted(_rows(scratch), key=lambda r: r["id"])
    assert [
        (r["id"], r["transaction_id"], r["debit_account"], r["credit_account"], r["amount"])
        for r in bookings
    ] == [
        ("led_00", "ltx_1", "receivables", "revenue:domestic:DE:19", 10000),
        ("led_01", "ltx_1", "receivables", "vat:DE:19", 1900),
        ("led_03", "ltx_2", "revenue:domestic:DE:19", "receivables", 500),
        ("led_04", "ltx_2", "vat:DE:19", "receivables", 95),
        ("led_05", "ltx_2", "receivables", "customer_credit", 595),
        ("led_08", "ltx_3", "bank", "receivables", 11900),
    ]
    assert {(r["memo"], r["currency"], r["posted_on"]) for r in bookings} == {
        ("INV_1", "EUR", DAY),
        ("GS_1", "EUR", DAY),
    }
    assert "account" not in bookings[0] and "debit" not in bookings[0]

    _revision(scratch, "0015", down=True)
    postings = _rows(scratch)
    assert len(postings) == 2 * len(bookings)
    assert all(r["debit"] == 0 or r["credit"] == 0 for r in postings)
    back = [
        (r["transaction_id"], r["document_id"], r["account"], r["debit"], r["credit"])
        for r in postings
    ]
    assert _balances(back) == _balances(POSTINGS)
    assert len({(r["document_id"], r["id"]) for r in postings}) == len(postings)

    _revision(scratch, "head")
    again = _rows(scratch)
    assert Counter(
        (r["transaction_id"], r["debit_account"], r["credit_account"], r["amount"]) for r in again
    ) == Counter(
        (r["transaction_id"], r["debit_account"], r["credit_account"], r["amount"])
        for r in bookings
    )


def test_a_transaction_that_does_not_balance_stops_the_migration() -> None:
    from importlib import import_module

    bookings = import_module("turnus.store.migrations.versions.0016_ledger_bookings")
    assert list(bookings.pair([("bank", 500, 0), ("receivables", 0, 500)])) == [
        ("bank", "receivables", 500)
    ]
    with pytest.raises(RuntimeError, match="does not balance"):
        list(bookings.pair([("bank", 500, 0), ("receivables", 0, 400)]))


def test_owed_mails_are_listed_and_back(scratch: Engine) -> None:
    _revision(scratch, "0016")
    owed = [("ten_1", f"inv_{n:04d}") for n in range(1, 1003)] + [("ten_2", "inv_x")]
    with scratch.begin() as connection:
        connection.execute(
            sa.table("owed_mails", sa.column("tenant_id"), sa.column("document_id")).insert(),
            [{"tenant_id": t, "document_id": d} for t, d in owed],
        )
    _revision(scratch, "0017")
    rows = sorted(_rows_of(scratch, "owed_mails"), key=lambda r: (r["tenant_id"], r["id"]))
    assert [(r["tenant_id"], len(r["document_ids"])) for r in rows] == [
        ("ten_1", 1000),
        ("ten_1", 2),
        ("ten_2", 1),
    ]
    assert rows[0]["document_ids"][0] == "inv_0001" and rows[1]["document_ids"] == [
        "inv_1001",
        "inv_1002",
    ]
    _revision(scratch, "0016", down=True)
    assert (
        sorted((r["tenant_id"], r["document_id"]) for r in _rows_of(scratch, "owed_mails")) == owed
    )
