"""Ledger entries become bookings: each row debits one account and credits another with one
positive amount (``debit_account``, ``credit_account``, ``amount``), instead of a posting of one
account with a debit and a credit column. A transaction balances by construction, and an
invoice takes a booking per revenue and per VAT account (two rows for one tax rate, where
its postings were three). See ``turnus.domain.billing.ledger``.

Each transaction's postings are paired, in their order, into bookings (a debit and a credit
posting give a booking of the smaller amount, the rest of the larger is paired on); a booking
keeps the id of a posting of its transaction, and the postings left over go. Downgrading turns
each booking into its debit posting (same id) and its credit posting (a new id).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

from turnus.store.ids import new_ids

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLE = "ledger_entries"
_KEY = ("tenant_id", "document_id", "id")


def _entries() -> sa.TableClause:
    return sa.table(
        TABLE,
        *(
            sa.column(name)
            for name in (
                *_KEY,
                "transaction_id",
                "posted_on",
                "account",
                "debit",
                "credit",
                "debit_account",
                "credit_account",
                "amount",
                "currency",
                "customer_id",
                "document_type",
                "memo",
                "created_at",
            )
        ),
    )


def pair(postings: Sequence[tuple[str, int, int]]) -> Iterator[tuple[str, str, int]]:
    """The bookings (debit account, credit account, amount) of one balanced transaction's
    postings (account, debit, credit), paired in order."""
    debits = [(account, debit - credit) for account, debit, credit in postings if debit > credit]
    credits = [(account, credit - debit) for account, debit, credit in postings if credit > debit]
    d = c = 0
    while d < len(debits) and c < len(credits):
        (debit, left), (credit, right) = debits[d], credits[c]
        amount = min(left, right)
        yield debit, credit, amount
        debits[d], credits[c] = (debit, left - amount), (credit, right - amount)
        d += left == amount
        c += right == amount
    if d < len(debits) or c < len(credits):
        raise RuntimeError(f"a ledger transaction does not balance: {list(postings)}")


def _set_nullable(names: Sequence[str], nullable: bool) -> None:
    with op.batch_alter_table(TABLE) as batch:
        for name in names:
            batch.alter_column(name, nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("debit_account", sa.String(60), nullable=True))
        batch.add_column(sa.Column("credit_account", sa.String(60), nullable=True))
        batch.add_column(sa.Column("amount", sa.Integer(), nullable=True))
    connection = op.get_bind()
    entries = _entries()
    c = entries.c
    rows = connection.execute(
        sa.select(
            *(c[name] for name in (*_KEY, "transaction_id", "account", "debit", "credit"))
        ).order_by(c.tenant_id, c.transaction_id, c.id)
    ).all()
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    for _, grouped in groupby(rows, key=lambda row: (row.tenant_id, row.transaction_id)):
        postings = list(grouped)
        bookings = list(pair([(p.account, p.debit, p.credit) for p in postings]))
        for posting, (debit, credit, amount) in zip(postings, bookings, strict=False):
            updates.append(
                {**_key_of(posting), "d": debit, "c": credit, "a": amount}  # a booking
            )
        deletes += [_key_of(p) for p in postings[len(bookings) :]]
    where = sa.and_(*(c[name] == sa.bindparam(f"k_{name}") for name in _KEY))
    if updates:
        connection.execute(
            entries.update()
            .where(where)
            .values(
                debit_account=sa.bindparam("d"),
                credit_account=sa.bindparam("c"),
                amount=sa.bindparam("a"),
            ),
            updates,
        )
    if deletes:
        connection.execute(entries.delete().where(where), deletes)
    with op.batch_alter_table(TABLE) as batch:
        for name in ("account", "debit", "credit"):
            batch.drop_column(name)
    _set_nullable(("debit_account", "credit_account", "amount"), False)


def _key_of(row: Any) -> dict[str, Any]:
    return {f"k_{name}": getattr(row, name) for name in _KEY}


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("account", sa.String(60), nullable=True))
        batch.add_column(sa.Column("debit", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("credit", sa.Integer(), nullable=True))
    connection = op.get_bind()
    entries = _entries()
    c = entries.c
    bookings = connection.execute(sa.select(entries).order_by(c.tenant_id, c.id)).all()
    connection.execute(entries.update().values(account=c.debit_account, debit=c.amount, credit=0))
    ids = iter(new_ids("led", len(bookings)))
    credits = [
        {
            **{name: getattr(b, name) for name in (*_KEY, "transaction_id", "posted_on")},
            **{name: getattr(b, name) for name in ("currency", "customer_id", "document_type")},
            "memo": b.memo,
            "created_at": b.created_at,
            "id": next(ids),
            "account": b.credit_account,
            "debit": 0,
            "credit": b.amount,
            "debit_account": b.debit_account,
            "credit_account": b.credit_account,
            "amount": b.amount,
        }
        for b in bookings
    ]
    if credits:
        connection.execute(entries.insert(), credits)
    with op.batch_alter_table(TABLE) as batch:
        for name in ("debit_account", "credit_account", "amount"):
            batch.drop_column(name)
    _set_nullable(("account", "debit", "credit"), False)
