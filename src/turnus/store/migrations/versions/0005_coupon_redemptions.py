"""Coupon redemptions by contracts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon_redemptions",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("coupon_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "coupon_id"],
            ["coupons.tenant_id", "coupons.id"],
            name=op.f("fk_coupon_redemptions_tenant_id_coupon_id_coupons"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_coupon_redemptions_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_coupon_redemptions")),
    )
    op.create_index(
        op.f("ix_coupon_redemptions_tenant_id_coupon_id_customer_id"),
        "coupon_redemptions",
        ["tenant_id", "coupon_id", "customer_id"],
    )
    op.create_index(
        op.f("ix_coupon_redemptions_tenant_id_contract_id"),
        "coupon_redemptions",
        ["tenant_id", "contract_id"],
    )


def downgrade() -> None:
    op.drop_table("coupon_redemptions")
