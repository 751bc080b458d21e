"""Catalog: products, plans, plan variants, components, price versions, coupons.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:16:38.139138
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "coupons",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("percent", ExactDecimal(), nullable=True),
        sa.Column("amounts", JSONDoc, nullable=False),
        sa.Column("duration", sa.String(length=20), nullable=False),
        sa.Column("duration_periods", sa.Integer(), nullable=True),
        sa.Column("targets", JSONDoc, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("max_redemptions", sa.Integer(), nullable=True),
        sa.Column("max_redemptions_per_customer", sa.Integer(), nullable=True),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coupons_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_coupons_tenant_id_code")),
    )
    op.create_table(
        "price_versions",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_type", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("migrate_existing", sa.Boolean(), nullable=False),
        sa.Column("prices", JSONDoc, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_price_versions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_price_versions")),
        sa.UniqueConstraint(
            "tenant_id",
            "owner_id",
            "effective_from",
            "sequence",
            name=op.f("uq_price_versions_tenant_id_owner_id_effective_from_sequence"),
        ),
    )
    op.create_table(
        "products",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name_de", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("description_de", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("tax_category", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_products_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_products")),
        sa.UniqueConstraint("tenant_id", "sku", name=op.f("uq_products_tenant_id_sku")),
    )
    op.create_table(
        "components",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("name_de", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("charge_type", sa.String(length=20), nullable=False),
        sa.Column("unit_name", sa.String(length=60), nullable=True),
        sa.Column("aggregation", sa.String(length=20), nullable=True),
        sa.Column("included_quantity", ExactDecimal(), nullable=False),
        sa.Column("prorate", sa.Boolean(), nullable=False),
        sa.Column("self_service", sa.Boolean(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_components_tenant_id_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_components")),
    )
    with op.batch_alter_table("components", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_components_tenant_id_product_id"),
            ["tenant_id", "product_id"],
            unique=False,
        )

    op.create_table(
        "plans",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("name_de", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("description_de", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("billing_timing", sa.String(length=20), nullable=False),
        sa.Column("self_service", sa.Boolean(), nullable=False),
        sa.Column("change_timing", sa.String(length=20), nullable=False),
        sa.Column("trial", JSONDoc, nullable=True),
        sa.Column("intro", JSONDoc, nullable=True),
        sa.Column("setup_fee", JSONDoc, nullable=False),
        sa.Column("included_components", JSONDoc, nullable=False),
        sa.Column("addon_components", JSONDoc, nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_plans_tenant_id_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_tenant_id_product_id"), ["tenant_id", "product_id"], unique=False
        )

    op.create_table(
        "plan_variants",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("name_de", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("billing_interval", JSONDoc, nullable=False),
        sa.Column("minimum_term", JSONDoc, nullable=True),
        sa.Column("renewal", sa.String(length=30), nullable=False),
        sa.Column("notice_period", JSONDoc, nullable=True),
        sa.Column("notice_period_after_conversion", JSONDoc, nullable=True),
        sa.Column("offered_to_consumers", sa.Boolean(), nullable=False),
        sa.Column("self_service", sa.Boolean(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "plan_id"],
            ["plans.tenant_id", "plans.id"],
            name=op.f("fk_plan_variants_tenant_id_plan_id_plans"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_plan_variants")),
    )
    with op.batch_alter_table("plan_variants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_variants_tenant_id_plan_id"), ["tenant_id", "plan_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("plan_variants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_variants_tenant_id_plan_id"))

    op.drop_table("plan_variants")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_tenant_id_product_id"))

    op.drop_table("plans")
    with op.batch_alter_table("components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_components_tenant_id_product_id"))

    op.drop_table("components")
    op.drop_table("products")
    op.drop_table("price_versions")
    op.drop_table("coupons")
