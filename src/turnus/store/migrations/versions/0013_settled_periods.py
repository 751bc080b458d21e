"""Billing schedule: each contract's settled periods (``turnus.domain.billing.settlement``).

``settled_before``, ``settled_digest`` and ``settled_counts`` are empty for every contract at
first: the next run bills each contract in full, as before, and settles it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import JSONDoc

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("billing_schedule") as batch:
        batch.add_column(sa.Column("settled_before", sa.Date(), nullable=True))
        batch.add_column(sa.Column("settled_digest", sa.String(32), nullable=True))
        batch.add_column(sa.Column("settled_counts", JSONDoc, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billing_schedule") as batch:
        batch.drop_column("settled_counts")
        batch.drop_column("settled_digest")
        batch.drop_column("settled_before")
