"""The transactional mail outbox: a mail is a row written in the same transaction as the
business change that causes it (an issued invoice, a received cancellation), so it is sent if
and only if that change is committed. ``turnus.services.mail.sender`` delivers the rows.

A message is ``pending`` (waiting for its ``next_attempt_at``), ``sent`` or ``failed`` (a
permanent refusal, or six failed attempts; ``retry`` makes it pending again). Delivery runs in
real time for every merchant, sandboxes included, so ``next_attempt_at`` and ``sent_at`` are
wall-clock instants; ``created_at`` is the tenant clock, like every other record.

Attachments are references to archived documents, never bytes: ``{"document_id": …,
"filename": …, "media_type": …}``, or ``{"owner_id": …, "kind": …, "filename": …,
"media_type": …}`` for a document of an owner that is archived (rendered) when the mail is
sent, e.g. the PDF of an invoice issued by a billing run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from turnus.domain.errors import Conflict
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit, tenants
from turnus.services.context import TenantContext
from turnus.services.documents import settings as document_settings
from turnus.services.mail import templates
from turnus.store.document_tables import outbox_messages
from turnus.store.ids import new_id

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
STATES = (PENDING, SENT, FAILED)
NOREPLY = "noreply@turnus.invalid"

_SUMMARY_EXCLUDES = frozenset({"tenant_id", "body_text", "body_html", "template"})
_MESSAGE_EXCLUDES = frozenset({"tenant_id", "template"})


@dataclass(frozen=True)
class Sender:
    address: str
    name: str | None
    reply_to: str | None


def _one_line(value: str | None, limit: int) -> str | None:
    """Header text: whitespace (line breaks included) collapsed, cut to the column's size."""
    if value is None:
        return None
    text = " ".join(value.split())
    return text[:limit] or None


def sender_of(ctx: TenantContext, tenant: Mapping[str, Any] | None = None) -> Sender:
    """The merchant's sender from its document settings; by default its own address (or
    noreply@turnus.invalid) under its company name. ``tenant``: the tenant row, if loaded."""
    configured = document_settings.get(ctx)
    if tenant is None:
        tenant = tenants.get_tenant(ctx.uow, ctx.tenant_id)
    address = configured["email_from"] or tenant["email"] or NOREPLY
    return Sender(
        address=address.strip(),
        name=_one_line(configured["email_from_name"] or tenant["company_name"], 200),
        reply_to=(configured["email_reply_to"] or "").strip() or None,
    )


def _attachment(reference: Mapping[str, Any]) -> dict[str, Any]:
    filename = _one_line(str(reference.get("filename") or ""), 200)
    media_type = str(reference.get("media_type") or "")
    if not filename or "/" not in media_type:
        raise ValueError(f"an attachment needs a filename and a media type: {reference!r}")
    if reference.get("document_id"):
        return {
            "document_id": str(reference["document_id"]),
            "filename": filename,
            "media_type": media_type,
        }
    if reference.get("owner_id") and reference.get("kind"):
        return {
            "owner_id": str(reference["owner_id"]),
            "kind": str(reference["kind"]),
            "filename": filename,
            "media_type": media_type,
        }
    raise ValueError(
        f"an attachment refers to a document_id or an owner_id and kind: {reference!r}"
    )


def message_row(
    ctx: TenantContext,
    sender: Sender,
    *,
    kind: str,
    to: str,
    subject: str | None = None,
    body_text: str | None = None,
    body_html: str | None = None,
    template: Mapping[str, Any] | None = None,
    attachments: Iterable[Mapping[str, Any]] = (),
    related_type: str | None = None,
    related_id: str | None = None,
    now: datetime | None = None,
    wall_now: datetime | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """The outbox row of one mail (not written): for callers that write many at once. The mail
    is given as subject and bodies, or as a ``template`` (``templates.stored``) rendered when
    the message is first read or sent. ``now`` and ``wall_now``: the tenant's and the wall
    clock's instant, if the caller has them (one for all the mails of a transaction), and
    ``message_id`` one of ``new_ids``."""
    address = to.strip()
    if not address or "@" not in address or len(address) > 254:
        raise ValueError(f"not a mail address: {to!r}")
    if (subject is None or body_text is None) == (template is None):
        raise ValueError("a mail is given either as subject and body or as a template")
    return {
        "id": message_id or new_id("msg"),
        "kind": kind,
        "related_type": related_type,
        "related_id": related_id,
        "from_address": sender.address,
        "from_name": sender.name,
        "reply_to": sender.reply_to,
        "to_address": address,
        "subject": None if subject is None else _one_line(subject, 300) or "",
        "body_text": body_text,
        "body_html": body_html,
        "template": template,
        "attachments": [_attachment(a) for a in attachments],
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": wall_now or ctx.wall_clock.now(),
        "last_error": None,
        "sent_at": None,
        "created_at": now or ctx.now(),
    }


def enqueue(
    ctx: TenantContext,
    *,
    kind: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    attachments: Iterable[Mapping[str, Any]] = (),
    related_type: str | None = None,
    related_id: str | None = None,
) -> dict[str, Any]:
    """Write a pending mail in the caller's transaction; it is sent once that commits."""
    row = message_row(
        ctx,
        sender_of(ctx),
        kind=kind,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        related_type=related_type,
        related_id=related_id,
    )
    return ctx.scope.insert(outbox_messages, row)


def enqueue_rows(ctx: TenantContext, rows: Sequence[dict[str, Any]]) -> int:
    """Write rows made by ``message_row`` with one bulk insert."""
    if not rows:
        return 0
    return ctx.scope.insert_many(outbox_messages, rows)


# -- reading and retrying (the API) ----------------------------------------------------------


def rendered(row: dict[str, Any]) -> dict[str, Any]:
    """The row with subject and bodies, rendered from its template if not written yet (in
    place; the caller decides whether to store them)."""
    if row["body_text"] is None and row.get("template") is not None:
        mail = templates.from_stored(row["template"])
        row["subject"] = _one_line(mail.subject, 300) or ""
        row["body_text"] = mail.text
        row["body_html"] = mail.html
    return row


def summary(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rendered(row).items() if k not in _SUMMARY_EXCLUDES}


def list_messages(
    ctx: TenantContext,
    page: PageRequest,
    *,
    state: str | None = None,
    kind: str | None = None,
    related_id: str | None = None,
) -> Page[dict[str, Any]]:
    """Messages newest first, without their bodies."""
    c = outbox_messages.c
    criteria: list[ColumnElement[bool]] = []
    if state is not None:
        criteria.append(c.state == state)
    if kind is not None:
        criteria.append(c.kind == kind)
    if related_id is not None:
        criteria.append(c.related_id == related_id)
    result = ctx.scope.page(outbox_messages, page, *criteria)
    return Page(data=[summary(r) for r in result.data], has_more=result.has_more)


def get_message(ctx: TenantContext, message_id: str) -> dict[str, Any]:
    row = rendered(ctx.scope.get(outbox_messages, message_id, what="outbox message"))
    return {k: v for k, v in row.items() if k not in _MESSAGE_EXCLUDES}


def retry(ctx: TenantContext, message_id: str) -> dict[str, Any]:
    """Send a failed message again: pending now, with a fresh count of attempts (its last error
    stays visible until the next attempt)."""
    row = ctx.scope.get(outbox_messages, message_id, what="outbox message", for_update=True)
    if row["state"] != FAILED:
        raise Conflict(
            f"Outbox message '{message_id}' is {row['state']}; only failed messages can be retried."
        )
    values = {"state": PENDING, "attempts": 0, "next_attempt_at": ctx.wall_clock.now()}
    ctx.scope.update(outbox_messages, message_id, values)
    audit.record(
        ctx,
        object_type="outbox_message",
        object_id=message_id,
        action="retried",
        before={"state": row["state"], "attempts": row["attempts"]},
        after={"state": PENDING, "attempts": 0},
    )
    return get_message(ctx, message_id)
