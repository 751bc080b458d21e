"""Contract tables: contracts (current facts), their dated items, their event history, and the
orders that changed them."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from turnus.store.tables import metadata
from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime

contracts = Table(
    "contracts",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("plan_id", String(40), nullable=False),
    Column("variant_id", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("concluded_on", Date, nullable=False),
    Column("start_date", Date, nullable=False),
    Column("trial_end", Date, nullable=True),
    Column("billing_anchor", Date, nullable=False),
    Column("billing_timing", String(20), nullable=False),
    Column("term_start", Date, nullable=True),
    # the terms, trial and intro as signed: later catalog changes never alter them
    Column("terms", JSONDoc, nullable=False),
    Column("trial", JSONDoc, nullable=True),
    Column("intro", JSONDoc, nullable=True),
    Column("pauses", JSONDoc, nullable=False),
    Column("skips", JSONDoc, nullable=False),
    Column("cancellation", JSONDoc, nullable=True),
    Column("suspended_on", Date, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
    Index(None, "tenant_id", "customer_id"),
)

# When billing next has something to do for a contract: the earliest such day, NULL for nothing
# more (set by the billing engine, moved earlier by every order). A table of its own, narrow:
# every billing run moves the date of every contract it bills, and rewriting the contract's
# wide row (its terms and lifecycle documents, three indexes) for it cost the server twice as
# much (measured). The customer is the contract's, kept here so that a run orders what is due
# by customer without reading the contracts.
billing_schedule = Table(
    "billing_schedule",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("contract_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("next_billing_date", Date, nullable=True),
    # The periods before this day are settled: the billing run computes and reconciles only
    # later ones while the engine's inputs have this fingerprint; the counts: periods counted
    # by discounts limited to a number of them (``turnus.domain.billing.settlement``).
    # Whatever takes a contract's invoice items away (deleting a draft) empties all three.
    Column("settled_before", Date, nullable=True),
    Column("settled_digest", String(32), nullable=True),
    Column("settled_counts", JSONDoc, nullable=True),
    PrimaryKeyConstraint("tenant_id", "contract_id"),
    ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
    Index(None, "tenant_id", "next_billing_date"),
)

contract_items = Table(
    "contract_items",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("contract_id", String(40), nullable=False),
    Column("item_type", String(20), nullable=False),
    Column("ref_id", String(40), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
    Index(None, "tenant_id", "contract_id"),
)

contract_events = Table(
    "contract_events",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("contract_id", String(40), nullable=False),
    Column("order_id", String(40), nullable=True),
    Column("kind", String(40), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("actor_type", String(20), nullable=False),
    Column("actor_id", String(60), nullable=False),
    Column("data", JSONDoc, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
    Index(None, "tenant_id", "contract_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("type", String(30), nullable=False),
    Column("contract_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("request", JSONDoc, nullable=False),
    Column("effect", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
    Index(None, "tenant_id", "contract_id"),
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("coupon_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("contract_id", String(40), nullable=False),
    Column("redeemed_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "coupon_id"], ["coupons.tenant_id", "coupons.id"]),
    ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
    Index(None, "tenant_id", "coupon_id", "customer_id"),
    Index(None, "tenant_id", "contract_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("contract_id", String(40), nullable=False),
    Column("customer_id", String(40), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", String(12), nullable=False),
    Column("recipient", String(300), nullable=False),
    Column("shipping_address", JSONDoc, nullable=False),
    Column("items", JSONDoc, nullable=False),
    Column("tracking_number", String(100), nullable=True),
    Column("shipped_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    ForeignKeyConstraint(["tenant_id", "contract_id"], ["contracts.tenant_id", "contracts.id"]),
    UniqueConstraint("tenant_id", "contract_id", "due_on"),
    Index(None, "tenant_id", "state", "due_on"),
)
