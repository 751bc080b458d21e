"""Ledger postings are found by day: the index by account and day gives way to one by day, a
BRIN index on PostgreSQL (see ``turnus.store.billing_tables``). No query reads postings by
account across days; a period's reports and exports read them by day.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(
        op.f("ix_ledger_entries_tenant_id_account_posted_on"), table_name="ledger_entries"
    )
    op.create_index(
        op.f("ix_ledger_entries_tenant_id_posted_on"),
        "ledger_entries",
        ["tenant_id", "posted_on"],
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_entries_tenant_id_posted_on"), table_name="ledger_entries")
    op.create_index(
        op.f("ix_ledger_entries_tenant_id_account_posted_on"),
        "ledger_entries",
        ["tenant_id", "account", "posted_on"],
    )
