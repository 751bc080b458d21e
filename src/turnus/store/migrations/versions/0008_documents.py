"""Documents: the archive of issued documents, document and mail settings, the mail outbox;
customers.buyer_reference (Leitweg-ID).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 05:57:17.346702
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from turnus.store.types import JSONDoc, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_type", sa.String(length=30), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_documents")),
        sa.UniqueConstraint(
            "tenant_id", "owner_id", "kind", name=op.f("uq_documents_tenant_id_owner_id_kind")
        ),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("related_type", sa.String(length=30), nullable=True),
        sa.Column("related_id", sa.String(length=40), nullable=True),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("reply_to", sa.String(length=254), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("attachments", JSONDoc, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_tenant_id_related_id"),
            ["tenant_id", "related_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_tenant_id_state_next_attempt_at"),
            ["tenant_id", "state", "next_attempt_at"],
            unique=False,
        )

    op.create_table(
        "document_settings",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_media_type", sa.String(length=50), nullable=True),
        sa.Column("primary_color", sa.String(length=7), nullable=False),
        sa.Column("accent_color", sa.String(length=7), nullable=False),
        sa.Column("sender_line", sa.String(length=200), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("register_court", sa.String(length=100), nullable=True),
        sa.Column("register_number", sa.String(length=50), nullable=True),
        sa.Column("managing_directors", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("footer_note", sa.String(length=500), nullable=True),
        sa.Column("template_html", sa.Text(), nullable=True),
        sa.Column("email_from", sa.String(length=254), nullable=True),
        sa.Column("email_from_name", sa.String(length=200), nullable=True),
        sa.Column("email_reply_to", sa.String(length=254), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_document_settings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_document_settings")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_reference", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("buyer_reference")

    op.drop_table("document_settings")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_tenant_id_state_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_tenant_id_related_id"))

    op.drop_table("outbox_messages")
    op.drop_table("documents")
