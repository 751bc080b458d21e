"""Where archived document bytes live: a write-once key-value store. The filesystem store is
the default; object storage can implement the same two methods."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class DocumentStore(Protocol):
    def put(self, key: str, content: bytes) -> None:
        """Store ``content`` under ``key`` once; a second put of the same key is refused."""

    def get(self, key: str) -> bytes:
        """The stored bytes; ``FileNotFoundError`` if there are none."""


class AlreadyStored(Exception):
    """A key is written once and never overwritten (GoBD)."""


class FilesystemStore:
    """Files under ``root``; keys are relative paths of safe characters. Written to a
    temporary file and linked into place, so a reader never sees half a document and an
    existing file is never replaced."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"not a document key: {key!r}")
        return self.root / key

    def put(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o444)
            try:
                os.link(temporary, path)  # fails if the key exists: never overwritten
            except FileExistsError:
                if path.read_bytes() != content:
                    raise AlreadyStored(key) from None
        finally:
            os.unlink(temporary)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()
