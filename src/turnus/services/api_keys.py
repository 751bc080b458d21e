"""API keys: the secret is shown once, stored only as a SHA-256 hash, listed by prefix.

A key is 256 random bits, so a fast hash is the right tool (a password hash would add latency
to every request without adding safety against guessing).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from turnus.domain.clock import TenantMode
from turnus.domain.errors import Conflict, Unauthorized, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.store.ids import new_id
from turnus.store.tables import api_keys, tenants

_PREFIX_LENGTH = 8  # random characters of the secret kept visible in listings


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    api_key_id: str
    mode: TenantMode


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(ctx: TenantContext, name: str) -> tuple[dict[str, Any], str]:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed.field("/name", "must be 1 to 100 characters")
    mode = ctx.clock.mode.value
    head = f"tk_{mode}_"
    secret = head + secrets.token_urlsafe(32)
    row: dict[str, Any] = {
        "id": new_id("key"),
        "name": name,
        "mode": mode,
        "prefix": secret[: len(head) + _PREFIX_LENGTH],
        "secret_hash": _hash(secret),
        "created_at": ctx.wall_clock.now(),
        "revoked_at": None,
    }
    row = ctx.scope.insert(api_keys, row)
    audit.record(ctx, object_type="api_key", object_id=str(row["id"]), action="created", after=row)
    return row, secret


def list_keys(ctx: TenantContext, page: PageRequest) -> Page[dict[str, Any]]:
    return ctx.scope.page(api_keys, page)


def get_key(ctx: TenantContext, key_id: str) -> dict[str, Any]:
    return ctx.scope.get(api_keys, key_id, what="API key")


def revoke_key(ctx: TenantContext, key_id: str) -> dict[str, Any]:
    before = ctx.scope.get(api_keys, key_id, what="API key", for_update=True)
    if before["revoked_at"] is not None:
        raise Conflict(f"API key '{key_id}' is already revoked.")
    ctx.scope.update(api_keys, key_id, {"revoked_at": ctx.wall_clock.now()})
    after = ctx.scope.get(api_keys, key_id, what="API key")
    audit.record(
        ctx, object_type="api_key", object_id=key_id, action="revoked", before=before, after=after
    )
    return after


def authenticate(uow: UnitOfWork, authorization: str | None) -> Principal:
    """Resolve ``Authorization: Bearer <secret>`` to the key's tenant, or raise Unauthorized."""
    if not authorization:
        raise Unauthorized("Send the API key as 'Authorization: Bearer <key>'.")
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send the API key as 'Authorization: Bearer <key>'.")
    statement = (
        select(api_keys.c.id, api_keys.c.tenant_id, api_keys.c.revoked_at, tenants.c.mode)
        .join(tenants, tenants.c.id == api_keys.c.tenant_id)
        .where(api_keys.c.secret_hash == _hash(secret.strip()))
    )
    row = uow.connection.execute(statement).mappings().first()
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized("The API key is not valid or has been revoked.")
    return Principal(tenant_id=row["tenant_id"], api_key_id=row["id"], mode=TenantMode(row["mode"]))
