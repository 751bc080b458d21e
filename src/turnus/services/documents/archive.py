"""The archive of issued documents (GoBD): bytes kept write-once by the document store, and a
row with content hash, media type, size and creation time. Documents are never overwritten;
reading verifies the hash, so a changed file is detected, not served."""

from __future__ import annotations

import hashlib
from typing import Any

from turnus.config import get_settings
from turnus.documents.storage import DocumentStore, FilesystemStore
from turnus.domain.errors import Conflict, NotFound
from turnus.services.context import TenantContext
from turnus.store.document_tables import documents
from turnus.store.ids import new_id

_store: DocumentStore | None = None


def use_store(store: DocumentStore) -> None:
    """Set the process's document store (the API and the CLI set it from the settings)."""
    global _store
    _store = store


def store() -> DocumentStore:
    global _store
    if _store is None:
        _store = FilesystemStore(get_settings().documents_dir)
    return _store


class TamperedDocument(Conflict):
    """The stored bytes no longer match the archived hash."""


def find(ctx: TenantContext, owner_id: str, kind: str) -> dict[str, Any] | None:
    return ctx.scope.first(
        ctx.scope.select(documents).where(
            documents.c.owner_id == owner_id, documents.c.kind == kind
        )
    )


def archive(
    ctx: TenantContext,
    *,
    owner_type: str,
    owner_id: str,
    kind: str,
    content: bytes,
    media_type: str,
    filename: str,
) -> dict[str, Any]:
    """Keep ``content`` as the document ``kind`` of ``owner_id`` - once. If it is archived
    already, the archived row is returned and nothing is written."""
    existing = find(ctx, owner_id, kind)
    if existing is not None:
        return existing
    document_id = new_id("doc")
    digest = hashlib.sha256(content).hexdigest()
    key = f"{ctx.tenant_id}/{owner_id}/{kind}-{digest[:16]}"
    store().put(key, content)
    row = {
        "id": document_id,
        "owner_type": owner_type,
        "owner_id": owner_id,
        "kind": kind,
        "media_type": media_type,
        "filename": filename,
        "sha256": digest,
        "size": len(content),
        "storage_key": key,
        "created_at": ctx.now(),
    }
    return ctx.scope.insert(documents, row)


def read_row(row: dict[str, Any]) -> bytes:
    try:
        content = store().get(row["storage_key"])
    except FileNotFoundError:
        raise Conflict(
            f"The archived file of document '{row['id']}' is missing from the document store."
        ) from None
    if hashlib.sha256(content).hexdigest() != row["sha256"]:
        raise TamperedDocument(
            f"The archived file of document '{row['id']}' does not match its hash; "
            "it was changed after it was issued."
        )
    return content


def read(ctx: TenantContext, document_id: str) -> bytes:
    row = ctx.scope.find(documents, document_id)
    if row is None:
        raise NotFound(f"No document with id '{document_id}' exists.")
    return read_row(row)
