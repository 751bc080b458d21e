"""Document tables: the immutable archive of issued documents, the merchant's document and
mail settings (branding, legal footer, sender), and the mail outbox.

Archived documents are never updated or deleted (GoBD): one row per (owner, kind), holding the
content hash of bytes kept by the storage backend. Mails are written to the outbox in the same
transaction as the business change that causes them (a billing run writes that the mail is owed,
see ``owed_mails``), so a crash never loses one."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from turnus.store.tables import metadata
from turnus.store.types import JSONSnapshot, UTCDateTime

documents = Table(
    "documents",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("owner_type", String(30), nullable=False),  # invoice
    Column("owner_id", String(40), nullable=False),
    Column("kind", String(30), nullable=False),  # pdf, factur_x, xrechnung
    Column("media_type", String(100), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    UniqueConstraint("tenant_id", "owner_id", "kind"),
)

document_settings = Table(
    "document_settings",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("logo", LargeBinary, nullable=True),
    Column("logo_media_type", String(50), nullable=True),
    Column("primary_color", String(7), nullable=False),
    Column("accent_color", String(7), nullable=False),
    Column("sender_line", String(200), nullable=True),
    Column("bank_name", String(100), nullable=True),
    Column("iban", String(34), nullable=True),
    Column("bic", String(11), nullable=True),
    Column("register_court", String(100), nullable=True),
    Column("register_number", String(50), nullable=True),
    Column("managing_directors", String(300), nullable=True),
    Column("phone", String(40), nullable=True),
    Column("website", String(200), nullable=True),
    Column("footer_note", String(500), nullable=True),
    Column("template_html", Text, nullable=True),  # replaces the default invoice template
    Column("email_from", String(254), nullable=True),
    Column("email_from_name", String(200), nullable=True),
    Column("email_reply_to", String(254), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id"),
    ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
)

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("kind", String(40), nullable=False),  # invoice, credit_note, cancellation, ...
    Column("related_type", String(30), nullable=True),
    Column("related_id", String(40), nullable=True),
    Column("from_address", String(254), nullable=False),
    Column("from_name", String(200), nullable=True),
    Column("reply_to", String(254), nullable=True),
    Column("to_address", String(254), nullable=False),
    # written when the message is enqueued, or from ``template`` when it is first read or sent
    Column("subject", String(300), nullable=True),
    Column("body_text", Text, nullable=True),
    Column("body_html", Text, nullable=True),
    # {"name": ..., "language": ..., "values": {...}}: the mail as of enqueueing, rendered later
    Column("template", JSONSnapshot, nullable=True),
    # [{"document_id": ..., "filename": ..., "media_type": ...}]
    Column("attachments", JSONSnapshot, nullable=False),
    Column("state", String(12), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=True),
    Column("last_error", String(1000), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
    Index(None, "tenant_id", "state", "next_attempt_at"),
    Index(None, "tenant_id", "related_id"),
)

# The issued documents whose mail a billing run owes: one row per batch, listing the documents
# it issued (``document_ids``, a JSON array of ids), written in the transaction that issues
# them, instead of the outbox messages themselves (which, with their templates, cost the run a
# tenth of its time; a row per document, 8 % of its WAL records); the mail worker turns them
# into outbox messages and deletes them in one transaction (``turnus.services.mail.owed``). No
# foreign key, like the other tables a run writes in bulk: ``turnus db check`` finds any
# document id that points nowhere.
owed_mails = Table(
    "owed_mails",
    metadata,
    Column("tenant_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("document_ids", JSONSnapshot, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id"),
)
