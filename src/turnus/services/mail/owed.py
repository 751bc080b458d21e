"""Mails a billing run owes, and their queueing by the mail worker.

A billing run (``turnus.services.billing.run.bill``) issues thousands of invoices per batch.
Writing each one's outbox message, with its template, in the batch's transaction cost the run
a tenth of its time; instead the batch writes one narrow ``owed_mails`` row per issued
document, in the same transaction, so the mail is owed if and only if the document was issued.
``queue`` turns owed mails into outbox messages, and deletes them, in one transaction: each
owed mail becomes exactly one message, also with several workers at once (the rows are taken
with SKIP LOCKED on PostgreSQL; SQLite has one writer at a time). ``turnus worker`` queues
after every pass, ``turnus mail send`` and ``turnus mail queue`` too.

The message shows the document as issued: its number, dates and totals are immutable, and the
amount it asked for is computed from them (``amount_due_at_issue``), so a payment received in
between does not change the mail. The greeting and the sender are taken when it is queued."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, select

from turnus.services.billing.documents import amount_due_at_issue
from turnus.services.context import Actor, TenantContext
from turnus.services.mail import hooks
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock
from turnus.store.billing_tables import invoices
from turnus.store.customer_tables import customers
from turnus.store.document_tables import owed_mails
from turnus.store.scope import one_of

MAILER = Actor("system", "mailer")
QUEUE_BATCH = 1000  # owed mails queued per transaction
log = logging.getLogger("turnus.mail")

# What the mail of an issued document shows (``templates.stored_invoice_mail``) and whom it goes to
_DOCUMENT_COLUMNS = (
    "id",
    "customer_id",
    "document_type",
    "number",
    "currency",
    "gross_total",
    "credit_applied",
    "reason",
    "issue_date",
    "due_date",
    "corrects_id",
)
_CUSTOMER_COLUMNS = ("id", "kind", "first_name", "last_name", "email", "locale")


def owe(ctx: TenantContext, documents: Sequence[Mapping[str, Any]]) -> int:
    """Record that the issued ``documents`` (those with a number) owe their mail, in the
    caller's transaction; how many."""
    rows = [{"document_id": d["id"]} for d in documents if d.get("number")]
    return ctx.scope.insert_many(owed_mails, rows)


def _as_issued(row: dict[str, Any]) -> dict[str, Any]:
    row["amount_due"] = amount_due_at_issue(
        row["document_type"], row["gross_total"], row["credit_applied"]
    )
    return row


def queue(ctx: TenantContext, limit: int = QUEUE_BATCH) -> int:
    """Turn up to ``limit`` of the tenant's owed mails, oldest documents first, into outbox
    messages in the caller's transaction, and delete them; how many were taken. A document
    whose customer has no mail address owes nothing more (``hooks.invoices_issued`` skips
    it)."""
    c = owed_mails.c
    taken = (
        ctx.scope.select(owed_mails, c.document_id)
        .order_by(c.document_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    document_ids = list(ctx.uow.connection.execute(taken).scalars())
    if not document_ids:
        return 0
    columns = [invoices.c[name] for name in _DOCUMENT_COLUMNS]
    documents = [
        _as_issued(row)
        for row in ctx.scope.rows(
            ctx.scope.select(invoices, *columns)
            .where(one_of(invoices.c.id, document_ids))
            .order_by(invoices.c.id)
        )
    ]
    customer_ids = sorted({d["customer_id"] for d in documents})
    customer_rows = ctx.scope.rows(
        ctx.scope.select(customers, *(customers.c[name] for name in _CUSTOMER_COLUMNS)).where(
            one_of(customers.c.id, customer_ids)
        )
    )
    hooks.invoices_issued(ctx, documents, {row["id"]: row for row in customer_rows})
    ctx.uow.connection.execute(
        ctx.scope.delete_statement(owed_mails).where(one_of(c.document_id, document_ids))
    )
    return len(document_ids)


def tenants_owing(engine: Engine, tenant_ids: Sequence[str] | None = None) -> list[str]:
    c = owed_mails.c
    statement = select(c.tenant_id).distinct().order_by(c.tenant_id)
    if tenant_ids is not None:
        statement = statement.where(c.tenant_id.in_(list(tenant_ids)))
    with UnitOfWork(engine, read_only=True) as uow:
        return list(uow.connection.execute(statement).scalars())


def queue_all(
    engine: Engine,
    wall_clock: WallClock,
    *,
    tenant_ids: Sequence[str] | None = None,
    batch: int = QUEUE_BATCH,
) -> int:
    """Queue every owed mail of every tenant (or of ``tenant_ids``), ``batch`` per
    transaction; how many were taken (see ``queue``). A tenant whose mails cannot be queued
    is logged and left for the next pass (its failed transaction changed nothing); the others
    go on."""
    done = 0
    for tenant_id in tenants_owing(engine, tenant_ids):
        try:
            done += _queue_tenant(engine, wall_clock, tenant_id, batch)
        except Exception:
            log.exception("owed mails of tenant %s could not be queued", tenant_id)
    return done


def _queue_tenant(engine: Engine, wall_clock: WallClock, tenant_id: str, batch: int) -> int:
    done = 0
    while True:
        with UnitOfWork(engine) as uow:
            ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=MAILER, wall_clock=wall_clock)
            queued = queue(ctx, batch)
        done += queued
        if queued < batch:
            return done
