"""Documents written once and read back whole are ``json`` on PostgreSQL, not ``jsonb``: an
issued invoice's parties, notes and tax breakdown, a mail's template values and attachments
(see ``turnus.store.types.JSONSnapshot``). SQLite stores both as text: nothing to change there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = {
    "invoices": ("seller", "buyer", "notes", "tax_breakdown"),
    "outbox_messages": ("template", "attachments"),
}


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in SNAPSHOT_COLUMNS.items():
        changes = ", ".join(
            f"ALTER COLUMN {column} TYPE {kind} USING {column}::{kind}" for column in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
