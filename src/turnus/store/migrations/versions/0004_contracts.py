"""Contracts: contracts, dated items, event history, orders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 03:12:56.334657
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "contracts",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("variant_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("concluded_on", sa.Date(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("trial_end", sa.Date(), nullable=True),
        sa.Column("billing_anchor", sa.Date(), nullable=False),
        sa.Column("billing_timing", sa.String(length=20), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("terms", JSONDoc, nullable=False),
        sa.Column("trial", JSONDoc, nullable=True),
        sa.Column("intro", JSONDoc, nullable=True),
        sa.Column("pauses", JSONDoc, nullable=False),
        sa.Column("skips", JSONDoc, nullable=False),
        sa.Column("cancellation", JSONDoc, nullable=True),
        sa.Column("suspended_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_contracts_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contracts_tenant_id_customer_id"),
            ["tenant_id", "customer_id"],
            unique=False,
        )

    op.create_table(
        "contract_events",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=60), nullable=False),
        sa.Column("data", JSONDoc, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_contract_events_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_contract_events")),
    )
    with op.batch_alter_table("contract_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_events_tenant_id_contract_id"),
            ["tenant_id", "contract_id"],
            unique=False,
        )

    op.create_table(
        "contract_items",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.String(length=40), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_contract_items_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_contract_items")),
    )
    with op.batch_alter_table("contract_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_items_tenant_id_contract_id"),
            ["tenant_id", "contract_id"],
            unique=False,
        )

    op.create_table(
        "orders",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("request", JSONDoc, nullable=False),
        sa.Column("effect", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_orders_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_tenant_id_contract_id"),
            ["tenant_id", "contract_id"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_tenant_id_contract_id"))

    op.drop_table("orders")
    with op.batch_alter_table("contract_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_items_tenant_id_contract_id"))

    op.drop_table("contract_items")
    with op.batch_alter_table("contract_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_events_tenant_id_contract_id"))

    op.drop_table("contract_events")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_tenant_id_customer_id"))

    op.drop_table("contracts")
