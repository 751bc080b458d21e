"""Owed mails: the issued documents whose mail a billing run owes, for the mail worker to queue
(``turnus.services.mail.owed``). Empty at first: runs before this revision wrote their mails
to the outbox directly.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owed_mails",
        sa.Column("tenant_id", sa.String(40), nullable=False),
        sa.Column("document_id", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "document_id", name=op.f("pk_owed_mails")),
    )


def downgrade() -> None:
    owed = op.get_bind().execute(sa.text("SELECT count(*) FROM owed_mails")).scalar_one()
    if owed:  # the revision before has nowhere to keep them: they would be lost
        raise RuntimeError(
            f"{owed} owed mail(s) are not queued yet; run 'turnus worker --once' or "
            "'turnus mail queue' first, then downgrade"
        )
    op.drop_table("owed_mails")
