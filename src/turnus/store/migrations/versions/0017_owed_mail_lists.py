"""Owed mails are listed per batch: a row of ``owed_mails`` names the documents a billing run's
batch issued (``document_ids``, a JSON array), where it named one document (see
``turnus.store.document_tables``). Mails owed before are kept: a tenant's are listed in rows
of at most 1,000, oldest documents first; a downgrade gives each listed document its row
again.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from alembic import op

from turnus.store.ids import new_ids

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLE = "owed_mails"
LIST = 1000


def upgrade() -> None:
    connection = op.get_bind()
    owed = connection.execute(
        sa.text("SELECT tenant_id, document_id FROM owed_mails ORDER BY tenant_id, document_id")
    ).all()
    op.drop_table(TABLE)
    table = op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_owed_mails")),
    )
    rows = []
    for tenant_id, found in groupby(owed, key=lambda row: row.tenant_id):
        ids = [row.document_id for row in found]
        lists = [ids[start : start + LIST] for start in range(0, len(ids), LIST)]
        for list_id, listed in zip(new_ids("owe", len(lists)), lists, strict=True):
            rows.append({"tenant_id": tenant_id, "id": list_id, "document_ids": listed})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    connection = op.get_bind()
    listed = sa.table(TABLE, sa.column("tenant_id"), sa.column("document_ids", sa.JSON()))
    rows = connection.execute(sa.select(listed.c.tenant_id, listed.c.document_ids)).all()
    op.drop_table(TABLE)
    table = op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("document_id", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "document_id", name=op.f("pk_owed_mails")),
    )
    owed = sorted(
        {(row.tenant_id, document_id) for row in rows for document_id in row.document_ids}
    )
    if owed:
        op.bulk_insert(table, [{"tenant_id": t, "document_id": d} for t, d in owed])
