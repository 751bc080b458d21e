"""Billing: settings, usage events, invoices and items, number counters, credit balances,
billing runs, the ledger; contracts.next_billing_date.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 05:24:34.633118
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import ExactDecimal, JSONDoc, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_runs",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("stats", JSONDoc, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_billing_runs")),
    )
    op.create_table(
        "credit_balance_entries",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_balance_entries")),
    )
    with op.batch_alter_table("credit_balance_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_balance_entries_tenant_id_customer_id_currency"),
            ["tenant_id", "customer_id", "currency"],
            unique=False,
        )

    op.create_table(
        "ledger_entries",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("transaction_id", sa.String(length=40), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("account", sa.String(length=60), nullable=False),
        sa.Column("debit", sa.Integer(), nullable=False),
        sa.Column("credit", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=40), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_tenant_id_account_posted_on"),
            ["tenant_id", "account", "posted_on"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_tenant_id_document_id"),
            ["tenant_id", "document_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_tenant_id_transaction_id"),
            ["tenant_id", "transaction_id"],
            unique=False,
        )

    op.create_table(
        "number_counters",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "series", "period_key", name=op.f("pk_number_counters")
        ),
    )
    op.create_table(
        "billing_settings",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("small_business", sa.Boolean(), nullable=False),
        sa.Column("oss_registered", sa.Boolean(), nullable=False),
        sa.Column("invoice_number_format", sa.String(length=60), nullable=False),
        sa.Column("credit_note_number_format", sa.String(length=60), nullable=False),
        sa.Column("cancellation_number_format", sa.String(length=60), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("draft_grace_days", sa.Integer(), nullable=False),
        sa.Column("usage_grace_days", sa.Integer(), nullable=False),
        sa.Column("negative_invoices", sa.String(length=20), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_billing_settings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_billing_settings")),
    )
    op.create_table(
        "invoices",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=15), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("billing_date", sa.Date(), nullable=False),
        sa.Column("finalize_on", sa.Date(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("service_from", sa.Date(), nullable=True),
        sa.Column("service_until", sa.Date(), nullable=True),
        sa.Column("corrects_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("seller", JSONDoc, nullable=True),
        sa.Column("buyer", JSONDoc, nullable=True),
        sa.Column("notes", JSONDoc, nullable=False),
        sa.Column("tax_breakdown", JSONDoc, nullable=False),
        sa.Column("net_total", sa.Integer(), nullable=False),
        sa.Column("tax_total", sa.Integer(), nullable=False),
        sa.Column("gross_total", sa.Integer(), nullable=False),
        sa.Column("credit_applied", sa.Integer(), nullable=False),
        sa.Column("amount_due", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finalized_at", UTCDateTime(), nullable=True),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_invoices_tenant_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_invoices_tenant_id_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_tenant_id_customer_id_state"),
            ["tenant_id", "customer_id", "state"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_invoices_tenant_id_issue_date"),
            ["tenant_id", "issue_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_invoices_tenant_id_state_finalize_on"),
            ["tenant_id", "state", "finalize_on"],
            unique=False,
        )

    op.create_table(
        "invoice_items",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ref_id", sa.String(length=120), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax_category", sa.String(length=20), nullable=False),
        sa.Column("tax_treatment", sa.String(length=30), nullable=False),
        sa.Column("tax_rate", ExactDecimal(), nullable=False),
        sa.Column("service_from", sa.Date(), nullable=True),
        sa.Column("service_until", sa.Date(), nullable=True),
        sa.Column("data", JSONDoc, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_invoice_items_tenant_id_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoice_items")),
        sa.UniqueConstraint(
            "tenant_id",
            "contract_id",
            "kind",
            "ref_id",
            "period_start",
            "seq",
            name=op.f("uq_invoice_items_tenant_id_contract_id_kind_ref_id_period_start_seq"),
        ),
    )
    with op.batch_alter_table("invoice_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_items_tenant_id_invoice_id"),
            ["tenant_id", "invoice_id"],
            unique=False,
        )

    op.create_table(
        "usage_events",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("contract_id", sa.String(length=40), nullable=False),
        sa.Column("component_id", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("quantity", ExactDecimal(), nullable=False),
        sa.Column("unique_key", sa.String(length=200), nullable=True),
        sa.Column("properties", JSONDoc, nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contract_id"],
            ["contracts.tenant_id", "contracts.id"],
            name=op.f("fk_usage_events_tenant_id_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_usage_events")),
        sa.UniqueConstraint(
            "tenant_id", "event_id", name=op.f("uq_usage_events_tenant_id_event_id")
        ),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_usage_events_tenant_id_contract_id_component_id_occurred_at"),
            ["tenant_id", "contract_id", "component_id", "occurred_at"],
            unique=False,
        )

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_billing_date", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_contracts_tenant_id_next_billing_date"),
            ["tenant_id", "next_billing_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_tenant_id_next_billing_date"))
        batch_op.drop_column("next_billing_date")

    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_usage_events_tenant_id_contract_id_component_id_occurred_at")
        )

    op.drop_table("usage_events")
    with op.batch_alter_table("invoice_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_items_tenant_id_invoice_id"))

    op.drop_table("invoice_items")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_tenant_id_state_finalize_on"))
        batch_op.drop_index(batch_op.f("ix_invoices_tenant_id_issue_date"))
        batch_op.drop_index(batch_op.f("ix_invoices_tenant_id_customer_id_state"))

    op.drop_table("invoices")
    op.drop_table("billing_settings")
    op.drop_table("number_counters")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_tenant_id_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_tenant_id_document_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_tenant_id_account_posted_on"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("credit_balance_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_balance_entries_tenant_id_customer_id_currency"))

    op.drop_table("credit_balance_entries")
    op.drop_table("billing_runs")
