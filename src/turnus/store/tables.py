"""The schema. Alembic migrations create it; this module describes it for queries.

Rule: every table holding merchant data carries ``tenant_id`` as the first column of its primary
key and of every index, so data can later be distributed by tenant. ``TenantScope`` is the only
way services read or write these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from turnus.store.types import JSONDoc, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Tables that are not merchant data and therefore carry no tenant_id.
GLOBAL_TABLES = frozenset({"tenants"})

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("mode", String(10), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("street", String(200), nullable=False),
    Column("house_number", String(20), nullable=True),
    Column("postcode", String(20), nullable=False),
    Column("city", String(100), nullable=False),
    Column("country", String(2), nullable=False),
    Column("vat_id", String(20), nullable=True),
    Column("tax_number", String(30), nullable=True),
    Column("email", String(254), nullable=True),
    Column("timezone", String(64), nullable=False),
    Column("default_currency", String(3), nullable=False),
    Column("default_locale", String(10), nullable=False),
    Column("clock_frozen_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("prefix", String(24), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    # Looked up before the tenant is known: the hash of a 256-bit secret is globally unique.
    UniqueConstraint("secret_hash"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("actor_type", String(20), nullable=False),
    Column("actor_id", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(60), nullable=False),
    Column("action", String(40), nullable=False),
    Column("before", JSONDoc, nullable=True),
    Column("after", JSONDoc, nullable=True),
    Column("tenant_time", UTCDateTime(), nullable=False),
    Column("wall_time", UTCDateTime(), nullable=False),
    Column("request_id", String(64), nullable=True),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    Index(None, "tenant_id", "object_type", "object_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(12), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("response_headers", JSONDoc, nullable=True),
    Column("locked_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    # No foreign key: the operator API keeps its keys under the pseudo-tenant "operator".
    PrimaryKeyConstraint("tenant_id", "key"),
    Index(None, "tenant_id", "expires_at"),
)

scheduled_tasks = Table(
    "scheduled_tasks",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("payload", JSONDoc, nullable=False),
    Column("state", String(12), nullable=False),
    Column("dedupe_key", String(200), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("done_at", UTCDateTime(), nullable=True),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
    Index(None, "tenant_id", "state", "due_at"),
    UniqueConstraint("tenant_id", "dedupe_key"),
)
