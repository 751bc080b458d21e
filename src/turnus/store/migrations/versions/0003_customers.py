"""Customers with tags, personal prices and discounts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 03:07:19.671580
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "customers",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("billing_address", JSONDoc, nullable=False),
        sa.Column("shipping_address", JSONDoc, nullable=True),
        sa.Column("tax_status", sa.String(length=10), nullable=False),
        sa.Column("vat_id", sa.String(length=20), nullable=True),
        sa.Column("vat_id_check", JSONDoc, nullable=True),
        sa.Column("vat_id_missing", sa.Boolean(), nullable=False),
        sa.Column("tax_exempt", sa.Boolean(), nullable=False),
        sa.Column("tax_exempt_reason", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("custom_fields", JSONDoc, nullable=False),
        sa.Column("tags", JSONDoc, nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_customers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customers")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_customers_tenant_id_external_id")
        ),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_tenant_id_email"), ["tenant_id", "email"], unique=False
        )

    op.create_table(
        "customer_tags",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_tags_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", "tag", name=op.f("pk_customer_tags")),
    )
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_tags_tenant_id_tag_customer_id"),
            ["tenant_id", "tag", "customer_id"],
            unique=False,
        )

    op.create_table(
        "customer_discounts",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("percent", ExactDecimal(), nullable=True),
        sa.Column("amounts", JSONDoc, nullable=False),
        sa.Column("duration", sa.String(length=20), nullable=False),
        sa.Column("duration_periods", sa.Integer(), nullable=True),
        sa.Column("targets", JSONDoc, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_discounts_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_discounts")),
    )
    with op.batch_alter_table("customer_discounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_discounts_tenant_id_customer_id"),
            ["tenant_id", "customer_id"],
            unique=False,
        )

    op.create_table(
        "customer_prices",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.Column("prices", JSONDoc, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_prices_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_prices")),
    )
    with op.batch_alter_table("customer_prices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_prices_tenant_id_customer_id_target_id"),
            ["tenant_id", "customer_id", "target_id"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("customer_prices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_prices_tenant_id_customer_id_target_id"))

    op.drop_table("customer_prices")
    with op.batch_alter_table("customer_discounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_discounts_tenant_id_customer_id"))

    op.drop_table("customer_discounts")
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_tags_tenant_id_tag_customer_id"))

    op.drop_table("customer_tags")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_tenant_id_email"))

    op.drop_table("customers")
