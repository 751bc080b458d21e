"""Outbox messages rendered when first read or sent: subject and bodies may be empty until
then, ``template`` holds what to render them from.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import JSONDoc

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("subject", existing_type=sa.String(length=300), nullable=True)
        batch.alter_column("body_text", existing_type=sa.Text(), nullable=True)
        batch.add_column(sa.Column("template", JSONDoc, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("template")
        batch.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch.alter_column("subject", existing_type=sa.String(length=300), nullable=False)
