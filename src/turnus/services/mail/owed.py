"""Mails a billing run owes, and their queueing by the mail worker.

A billing run (``turnus.services.billing.run.bill``) issues thousands of invoices per batch.
Writing each one's outbox message, with its template, in the batch's transaction cost the run
a tenth of its time; instead the batch writes one ``owed_mails`` row listing the documents it
issued, in the same transaction, so a mail is owed if and only if its document was issued.
``queue`` turns owed mails into outbox messages, and takes them off their row, in one
transaction: each owed mail becomes exactly one message, also with several workers at once
(a row is taken with SKIP LOCKED on PostgreSQL; SQLite has one writer at a time).
``turnus worker`` queues after every pass, ``turnus mail send`` and ``turnus mail queue`` too.

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
from turnus.store.ids import new_id
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
    caller's transaction: one row listing them; how many."""
    document_ids = [d["id"] for d in documents if d.get("number")]
    if document_ids:
        ctx.scope.insert(owed_mails, {"id": new_id("owe"), "document_ids": document_ids})
    return len(document_ids)


def _as_issued(row: dict[str, Any]) -> dict[str, Any]:
    row["amount_due"] = amount_due_at_issue(
        row["document_type"], row["gross_total"], row["credit_applied"]
    )
    return row


def queue(ctx: TenantContext, limit: int = QUEUE_BATCH) -> int:
    """Turn up to ``limit`` owed mails of the tenant's oldest row of them into outbox messages
    in the caller's transaction, and take them off the row (the row goes with its last); how
    many were taken. A row is taken with SKIP LOCKED: workers at once take different rows. A
    document whose customer has no mail address owes nothing more (``hooks.invoices_issued``
    skips it)."""
    c = owed_mails.c
    taken = (
        ctx.scope.select(owed_mails, c.id, c.document_ids)
        .order_by(c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    while True:
        row = ctx.uow.connection.execute(taken).first()
        if row is None:
            return 0
        owed = list(row.document_ids)
        if owed:
            break
        _forget(ctx, row.id)  # an empty list owes nothing
    document_ids, rest = owed[:limit], owed[limit:]
    columns = [invoices.c[name] for name in _DOCUMENT_COLUMNS]
    documents = [
        _as_issued(found)
        for found in ctx.scope.rows(
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
    hooks.invoices_issued(ctx, documents, {r["id"]: r for r in customer_rows})
    if rest:
        ctx.scope.update(owed_mails, row.id, {"document_ids": rest})
    else:
        _forget(ctx, row.id)
    return len(document_ids)


def _forget(ctx: TenantContext, list_id: str) -> None:
    ctx.uow.connection.execute(
        ctx.scope.delete_statement(owed_mails).where(owed_mails.c.id == list_id)
    )


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
        if not queued:  # a row's last mails may be fewer than ``batch``: on to the next row
            return done
