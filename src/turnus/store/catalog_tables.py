"""Catalog tables: products, plans, plan variants, components, price versions, coupons.

Structured price definitions (tiers, per-currency prices, intervals) are JSON documents whose
decimals are strings, so they stay exact on both databases. Nothing here is ever deleted once
referenced: rows carry ``archived_at`` instead.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from turnus.store.tables import metadata
from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime


def _timestamps() -> list[Column[object]]:
    return [
        Column("archived_at", UTCDateTime(), nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]


products = Table(
    "products",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("name_de", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("description_de", Text, nullable=True),
    Column("description_en", Text, nullable=True),
    Column("kind", String(20), nullable=False),
    Column("tax_category", String(20), nullable=False),
    Column("sku", String(64), nullable=True),
    Column("external_id", String(100), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    UniqueConstraint("tenant_id", "sku"),
)

plans = Table(
    "plans",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("product_id", String(40), nullable=False),
    Column("name_de", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("description_de", Text, nullable=True),
    Column("description_en", Text, nullable=True),
    Column("billing_timing", String(20), nullable=False),
    Column("self_service", Boolean, nullable=False),
    Column("change_timing", String(20), nullable=False),
    Column("trial", JSONDoc, nullable=True),
    Column("intro", JSONDoc, nullable=True),
    Column("setup_fee", JSONDoc, nullable=False),
    Column("included_components", JSONDoc, nullable=False),
    Column("addon_components", JSONDoc, nullable=False),
    Column("external_id", String(100), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
    Index(None, "tenant_id", "product_id"),
)

plan_variants = Table(
    "plan_variants",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("plan_id", String(40), nullable=False),
    Column("name_de", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("billing_interval", JSONDoc, nullable=False),
    Column("minimum_term", JSONDoc, nullable=True),
    Column("renewal", String(30), nullable=False),
    Column("notice_period", JSONDoc, nullable=True),
    Column("notice_period_after_conversion", JSONDoc, nullable=True),
    Column("offered_to_consumers", Boolean, nullable=False),
    Column("self_service", Boolean, nullable=False),
    Column("external_id", String(100), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "plan_id"], ["plans.tenant_id", "plans.id"]),
    Index(None, "tenant_id", "plan_id"),
)

components = Table(
    "components",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("product_id", String(40), nullable=False),
    Column("name_de", String(200), nullable=False),
    Column("name_en", String(200), nullable=True),
    Column("charge_type", String(20), nullable=False),
    Column("unit_name", String(60), nullable=True),
    Column("aggregation", String(20), nullable=True),
    Column("included_quantity", ExactDecimal(), nullable=False),
    Column("prorate", Boolean, nullable=False),
    Column("self_service", Boolean, nullable=False),
    Column("external_id", String(100), nullable=True),
    *_timestamps(),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "product_id"], ["products.tenant_id", "products.id"]),
    Index(None, "tenant_id", "product_id"),
)

price_versions = Table(
    "price_versions",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("owner_type", String(20), nullable=False),
    Column("owner_id", String(40), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("migrate_existing", Boolean, nullable=False),
    Column("prices", JSONDoc, nullable=False),
    Column("note", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    UniqueConstraint("tenant_id", "owner_id", "effective_from", "sequence"),
)

coupons = Table(
    "coupons",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("percent", ExactDecimal(), nullable=True),
    Column("amounts", JSONDoc, nullable=False),
    Column("duration", String(20), nullable=False),
    Column("duration_periods", Integer, nullable=True),
    Column("targets", JSONDoc, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("max_redemptions", Integer, nullable=True),
    Column("max_redemptions_per_customer", Integer, nullable=True),
    Column("redemptions", Integer, nullable=False),
    *_timestamps(),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    UniqueConstraint("tenant_id", "code"),
)
