"""The tables a billing run writes in bulk get lighter (see ``turnus.store.billing_tables``):

- invoices and invoice items lose their foreign keys (to customers, to invoices);
- the index of drafts by finalization day holds drafts only (a partial index);
- ledger postings lose their index by transaction, which no query uses;
- items and postings are keyed by their invoice or document first (the primary key then
  serves the lookups the second index served, which goes);
- an invoice item's ``data`` is ``json`` on PostgreSQL, like the invoice's own documents.

SQLite cannot drop a foreign key or change a primary key in place: the three tables are rebuilt
(items first, so that nothing refers to invoices while they are).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ITEMS_FK = "fk_invoice_items_tenant_id_invoice_id_invoices"
ITEMS_PK = "pk_invoice_items"
LEDGER_PK = "pk_ledger_entries"
INVOICES_FK = "fk_invoices_tenant_id_customer_id_customers"
DRAFTS = sa.text("state = 'draft'")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rekey(table: str, columns: list[str], name: str) -> None:
    """Give ``table`` the primary key ``columns`` (PostgreSQL; SQLite rebuilds the table)."""
    if _is_sqlite():
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(name, type_="primary")
            batch.create_primary_key(name, columns)
    else:
        op.drop_constraint(name, table, type_="primary")
        op.create_primary_key(name, table, columns)


def upgrade() -> None:
    op.drop_index(op.f("ix_invoices_tenant_id_state_finalize_on"), table_name="invoices")
    op.drop_index(op.f("ix_ledger_entries_tenant_id_transaction_id"), table_name="ledger_entries")
    op.drop_index(op.f("ix_ledger_entries_tenant_id_document_id"), table_name="ledger_entries")
    op.drop_index(op.f("ix_invoice_items_tenant_id_invoice_id"), table_name="invoice_items")
    if _is_sqlite():
        with op.batch_alter_table("invoice_items", recreate="always") as batch:
            batch.drop_constraint(ITEMS_FK, type_="foreignkey")
            batch.drop_constraint(ITEMS_PK, type_="primary")
            batch.create_primary_key(ITEMS_PK, ["tenant_id", "invoice_id", "id"])
        with op.batch_alter_table("invoices", recreate="always") as batch:
            batch.drop_constraint(INVOICES_FK, type_="foreignkey")
    else:
        op.drop_constraint(ITEMS_FK, "invoice_items", type_="foreignkey")
        op.drop_constraint(INVOICES_FK, "invoices", type_="foreignkey")
        _rekey("invoice_items", ["tenant_id", "invoice_id", "id"], ITEMS_PK)
        op.execute("ALTER TABLE invoice_items ALTER COLUMN data TYPE json USING data::json")
    _rekey("ledger_entries", ["tenant_id", "document_id", "id"], LEDGER_PK)
    op.create_index(
        op.f("ix_invoices_tenant_id_finalize_on"),
        "invoices",
        ["tenant_id", "finalize_on"],
        postgresql_where=DRAFTS,
        sqlite_where=DRAFTS,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoices_tenant_id_finalize_on"), table_name="invoices")
    _rekey("ledger_entries", ["tenant_id", "id"], LEDGER_PK)
    if _is_sqlite():
        with op.batch_alter_table("invoices", recreate="always") as batch:
            batch.create_foreign_key(
                INVOICES_FK, "customers", ["tenant_id", "customer_id"], ["tenant_id", "id"]
            )
        with op.batch_alter_table("invoice_items", recreate="always") as batch:
            batch.drop_constraint(ITEMS_PK, type_="primary")
            batch.create_primary_key(ITEMS_PK, ["tenant_id", "id"])
            batch.create_foreign_key(
                ITEMS_FK, "invoices", ["tenant_id", "invoice_id"], ["tenant_id", "id"]
            )
    else:
        op.execute("ALTER TABLE invoice_items ALTER COLUMN data TYPE jsonb USING data::jsonb")
        _rekey("invoice_items", ["tenant_id", "id"], ITEMS_PK)
        op.create_foreign_key(
            INVOICES_FK, "invoices", "customers", ["tenant_id", "customer_id"], ["tenant_id", "id"]
        )
        op.create_foreign_key(
            ITEMS_FK, "invoice_items", "invoices", ["tenant_id", "invoice_id"], ["tenant_id", "id"]
        )
    op.create_index(
        op.f("ix_invoice_items_tenant_id_invoice_id"), "invoice_items", ["tenant_id", "invoice_id"]
    )
    op.create_index(
        op.f("ix_ledger_entries_tenant_id_document_id"),
        "ledger_entries",
        ["tenant_id", "document_id"],
    )
    op.create_index(
        op.f("ix_ledger_entries_tenant_id_transaction_id"),
        "ledger_entries",
        ["tenant_id", "transaction_id"],
    )
    op.create_index(
        op.f("ix_invoices_tenant_id_state_finalize_on"),
        "invoices",
        ["tenant_id", "state", "finalize_on"],
    )
