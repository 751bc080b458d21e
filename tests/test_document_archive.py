"""The document archive: write-once storage, hash verification, tenant isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import TEST_ACTOR, make_tenant
from turnus.documents.storage import AlreadyStored, FilesystemStore
from turnus.domain.errors import Conflict, NotFound
from turnus.services.context import TenantContext
from turnus.services.documents import archive
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock


def test_filesystem_store_writes_once(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    store.put("ten_1/inv_1/pdf-abc", b"first")
    store.put("ten_1/inv_1/pdf-abc", b"first")  # the same bytes again: nothing changes
    with pytest.raises(AlreadyStored):
        store.put("ten_1/inv_1/pdf-abc", b"other")
    assert store.get("ten_1/inv_1/pdf-abc") == b"first"
    assert not (tmp_path / "ten_1/inv_1/pdf-abc").stat().st_mode & 0o222  # read-only
    with pytest.raises(ValueError):
        store.put("../escape", b"x")
    with pytest.raises(FileNotFoundError):
        store.get("ten_1/none")


def test_archive_keeps_the_first_version_and_verifies_the_hash(
    engine: Engine, wall_clock: FixedWallClock, documents_dir: str
) -> None:
    tenant_id, _ = make_tenant(engine, wall_clock)
    other_id, _ = make_tenant(engine, wall_clock)
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock)
        row = archive.archive(
            ctx,
            owner_type="invoice",
            owner_id="inv_x",
            kind="pdf",
            content=b"%PDF-1.7 first",
            media_type="application/pdf",
            filename="RE-1.pdf",
        )
        again = archive.archive(
            ctx,
            owner_type="invoice",
            owner_id="inv_x",
            kind="pdf",
            content=b"%PDF-1.7 second",
            media_type="application/pdf",
            filename="RE-1.pdf",
        )
        assert again["id"] == row["id"]
        assert archive.read(ctx, row["id"]) == b"%PDF-1.7 first"
        assert row["size"] == len(b"%PDF-1.7 first") and len(row["sha256"]) == 64
    with UnitOfWork(engine) as uow:
        other = TenantContext(uow=uow, tenant_id=other_id, actor=TEST_ACTOR, wall_clock=wall_clock)
        with pytest.raises(NotFound):
            archive.read(other, row["id"])
    stored = Path(documents_dir) / row["storage_key"]
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF-1.7 changed")  # tampering outside Turnus
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock)
        with pytest.raises(Conflict, match="does not match its hash"):
            archive.read(ctx, row["id"])
