"""Customer tables: customers, their tags, their personal prices and their personal discounts.

Customers are archived, never deleted (their invoices must stay attributable). Tags are kept
twice: as a JSON list on the customer (what is read) and one row per tag in ``customer_tags``
(what the tag filter queries, by index, the same way on SQLite and PostgreSQL)."""

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

customers = Table(
    "customers",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("first_name", String(100), nullable=True),
    Column("last_name", String(100), nullable=True),
    Column("company_name", String(200), nullable=True),
    Column("email", String(254), nullable=False),
    Column("phone", String(40), nullable=True),
    Column("locale", String(10), nullable=False),
    Column("billing_address", JSONDoc, nullable=False),
    Column("shipping_address", JSONDoc, nullable=True),
    Column("tax_status", String(10), nullable=False),
    Column("vat_id", String(20), nullable=True),
    Column("vat_id_check", JSONDoc, nullable=True),
    # A business in another EU member state without a VAT ID (no reverse charge possible).
    Column("vat_id_missing", Boolean, nullable=False),
    Column("tax_exempt", Boolean, nullable=False),
    Column("tax_exempt_reason", String(200), nullable=True),
    Column("external_id", String(100), nullable=True),
    # Leitweg-ID of a public-sector buyer (XRechnung BT-10)
    Column("buyer_reference", String(50), nullable=True),
    Column("custom_fields", JSONDoc, nullable=False),
    Column("tags", JSONDoc, nullable=False),
    Column("notes", Text, nullable=True),
    Column("archived_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    UniqueConstraint("tenant_id", "external_id"),
    Index(None, "tenant_id", "email"),
)

customer_tags = Table(
    "customer_tags",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("tag", String(40), nullable=False),
    PrimaryKeyConstraint("tenant_id", "customer_id", "tag"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index(None, "tenant_id", "tag", "customer_id"),
)

customer_prices = Table(
    "customer_prices",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("target_type", String(20), nullable=False),
    Column("target_id", String(40), nullable=False),
    Column("prices", JSONDoc, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("note", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index(None, "tenant_id", "customer_id", "target_id"),
)

customer_discounts = Table(
    "customer_discounts",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("percent", ExactDecimal(), nullable=True),
    Column("amounts", JSONDoc, nullable=False),
    Column("duration", String(20), nullable=False),
    Column("duration_periods", Integer, nullable=True),
    Column("targets", JSONDoc, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("reason", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index(None, "tenant_id", "customer_id"),
)
