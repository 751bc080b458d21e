"""Idempotency-Key handling: the first response to a key is stored and replayed for retries.

The claim is committed in its own short transaction *before* the business work starts, so a
concurrent duplicate sees it (409) on every process and database. The stored response is
written in the *same* transaction as the business change: either both are committed or
neither, so a crash in between can never lead to the work being done twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from turnus.domain.errors import Conflict, TurnusError, ValidationFailed
from turnus.store.tables import idempotency_keys

# A claim whose request died without an answer (process killed) may be taken over after this.
STALE_CLAIM_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(TurnusError):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key was already used for a different request"
    status = 422


class IdempotentRequestInProgress(Conflict):
    slug = "idempotency-request-in-progress"
    title = "A request with this Idempotency-Key is still being processed"


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed.field(
            "/headers/Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable characters"
        )
    return key


def _insert_ignoring_conflict(connection: Connection, row: dict[str, Any]) -> bool:
    """True when the row was inserted; False when the key already existed."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(idempotency_keys)
        .values(row)
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key)
    )
    return connection.execute(statement).first() is not None


def claim(
    engine: Engine, scope_id: str, key: str, print_: str, now: datetime, ttl: timedelta
) -> StoredResponse | None:
    """Claim ``key`` for this request. Returns the stored response for a replay, None when the
    caller should do the work, or raises when the key is busy or used for another request."""
    own = and_(idempotency_keys.c.tenant_id == scope_id, idempotency_keys.c.key == key)
    with engine.begin() as connection:
        connection.execute(delete(idempotency_keys).where(own, idempotency_keys.c.expires_at < now))
        inserted = _insert_ignoring_conflict(
            connection,
            {
                "tenant_id": scope_id,
                "key": key,
                "fingerprint": print_,
                "state": "in_progress",
                "locked_at": now,
                "created_at": now,
                "expires_at": now + ttl,
            },
        )
        if inserted:
            return None
        row = connection.execute(select(idempotency_keys).where(own)).mappings().one()
        if row["fingerprint"] != print_:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was first used with a different method, path or body; "
                "use a new key for a new request."
            )
        if row["state"] == "completed":
            return StoredResponse(
                status=row["response_status"],
                body=row["response_body"],
                headers=dict(row["response_headers"] or {}),
            )
        if now - row["locked_at"] < STALE_CLAIM_AFTER:
            raise IdempotentRequestInProgress(
                "A request with this Idempotency-Key is still in progress; retry later."
            )
        taken = connection.execute(
            update(idempotency_keys)
            .where(own, idempotency_keys.c.locked_at == row["locked_at"])
            .values(locked_at=now)
        ).rowcount
        if not taken:
            raise IdempotentRequestInProgress(
                "A request with this Idempotency-Key is still in progress; retry later."
            )
        return None


def complete(connection: Connection, scope_id: str, key: str, response: StoredResponse) -> None:
    """Store the response; call inside the business transaction."""
    connection.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.tenant_id == scope_id, idempotency_keys.c.key == key)
        .values(
            state="completed",
            response_status=response.status,
            response_body=response.body,
            response_headers=response.headers,
        )
    )


def release(engine: Engine, scope_id: str, key: str) -> None:
    """Forget a claim whose request failed without changing anything, so a retry can run."""
    with engine.begin() as connection:
        connection.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.tenant_id == scope_id,
                idempotency_keys.c.key == key,
                idempotency_keys.c.state == "in_progress",
            )
        )


def purge_expired(engine: Engine, now: datetime) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            delete(idempotency_keys).where(idempotency_keys.c.expires_at < now)
        )
        return int(result.rowcount)
