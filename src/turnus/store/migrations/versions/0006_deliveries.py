"""Deliveries of physical goods.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 03:44:28.779580
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import JSONDoc, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "deliveries",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("shipping_address", JSONDoc, nullable=False),
        sa.Column("items", JSONDoc, nullable=False),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("shipped_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_deliveries_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "tenant_id",
            "contract_id",
            "due_on",
            name=op.f("uq_deliveries_tenant_id_contract_id_due_on"),
        ),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_tenant_id_state_due_on"),
            ["tenant_id", "state", "due_on"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_tenant_id_state_due_on"))

    op.drop_table("deliveries")
