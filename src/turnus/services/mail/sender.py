"""Delivering the outbox by SMTP (``turnus worker`` after each pass, ``turnus mail send``).

Each message is handled on its own, never inside another's transaction:

1. *claim* (one short transaction): the oldest due pending message of a tenant is taken with
   ``FOR UPDATE SKIP LOCKED`` (on PostgreSQL several workers never take the same one), its
   attempt is counted and its ``next_attempt_at`` moved ``LEASE`` ahead, and its attachments
   are resolved from the archive (a PDF not archived yet is rendered and archived now);
2. *send*, outside any transaction, so no database lock waits for the SMTP server;
3. *record* (one short transaction): ``sent`` with ``sent_at``, or after a temporary failure
   (connection refused, timeout, a 4xx reply) the next attempt after 1 min, 5 min, 30 min,
   2 h, 12 h; after a permanent refusal (a 5xx reply) or the sixth failed attempt ``failed``
   with ``last_error``.

A crash between 1 and 3 leaves the message pending; it is taken again when its lease ends. So
a crash never loses a message and sends at most the one in flight twice (with the same
``Message-ID``, so mail clients show it once)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, NoReturn

from sqlalchemy import Engine, func, select

from turnus.config import Settings
from turnus.services.context import TenantContext
from turnus.services.documents import archive
from turnus.services.mail import outbox, owed
from turnus.services.mail.outbox import FAILED, PENDING, SENT
from turnus.services.mail.owed import MAILER
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock
from turnus.store.document_tables import outbox_messages

MAX_ATTEMPTS = 6
# the wait after failed attempt 1, 2, ... (attempt 6 failing fails the message)
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
# how long a claimed message is left alone before another pass may take it (the sender
# crashed): longer than any SMTP exchange with the longest allowed timeout
LEASE = timedelta(minutes=15)
MAX_ERROR = 1000


class TemporaryFailure(Exception):
    """Try again later (the server is unreachable, busy, or answered 4xx)."""


class Unreachable(TemporaryFailure):
    """The SMTP server cannot be reached or refuses the session (login, TLS)."""


class PermanentFailure(Exception):
    """Do not try again (the server refused the message for good: 5xx)."""


@dataclass
class DeliveryPass:
    configured: bool
    sent: int = 0
    deferred: int = 0  # temporary failures, tried again later
    failed: int = 0
    errors: list[str] = field(default_factory=list)


# -- the SMTP connection ---------------------------------------------------------------------


class _Connection:
    """One SMTP session per pass, opened on first use and again after an error."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None
        try:
            smtp: smtplib.SMTP
            if s.smtp_security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            try:
                smtp.ehlo()
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if s.smtp_username is not None and s.smtp_password is not None:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            except BaseException:
                _close(smtp)
                raise
        except (OSError, smtplib.SMTPException) as exc:
            # a refused login or missing TLS is the operator's to fix, never the message's
            raise Unreachable(f"cannot connect to the SMTP server: {_describe(exc)}") from exc
        return smtp

    def _alive(self) -> bool:
        """Whether the open session still answers (servers drop idle ones)."""
        assert self.smtp is not None
        try:
            return bool(self.smtp.noop()[0] == 250)
        except (OSError, smtplib.SMTPException):
            return False

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        if self.smtp is not None and not self._alive():
            self.close()
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, reply = next(iter(exc.recipients.values()))
            _raise_for(code, f"recipient {recipient} refused: {code} {_text(reply)}")
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
            self.close()
            _raise_for(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise PermanentFailure(f"the SMTP server cannot take this message: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"sending failed: {_describe(exc)}") from exc

    def close(self) -> None:
        if self.smtp is not None:
            _close(self.smtp)
            self.smtp = None


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _raise_for(code: int, message: str) -> NoReturn:
    if 500 <= code < 600:
        raise PermanentFailure(message)
    raise TemporaryFailure(message)


# -- building the message ---------------------------------------------------------------------


def _address(address: str, name: str | None = None) -> Address:
    return Address(display_name=name or "", addr_spec=address)


def build_message(
    row: Mapping[str, Any], attachments: Sequence[tuple[Mapping[str, Any], bytes]], now: datetime
) -> EmailMessage:
    """The MIME message of an outbox row: From (with name), Reply-To, To, Subject, Date, a
    Message-ID made of the row's id, the text with an optional HTML alternative, attachments."""
    message = EmailMessage()
    message["From"] = _address(row["from_address"], row["from_name"])
    if row["reply_to"]:
        message["Reply-To"] = _address(row["reply_to"])
    message["To"] = _address(row["to_address"])
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(now)
    domain = row["from_address"].rpartition("@")[2] or "turnus.invalid"
    message["Message-ID"] = f"<{row['id']}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    # quoted-printable: 7-bit safe for any server, still readable
    message.set_content(row["body_text"], cte="quoted-printable")
    if row["body_html"]:
        message.add_alternative(row["body_html"], subtype="html", cte="quoted-printable")
    for reference, content in attachments:
        maintype, _, subtype = str(reference["media_type"]).partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=reference["filename"]
        )
    return message


def _render(ctx: TenantContext, owner_id: str, kind: str) -> tuple[dict[str, Any], bytes]:
    """Render and archive the document ``kind`` of an issued invoice (first use)."""
    from turnus.services.documents import render  # the PDF toolchain loads only when needed

    return render.issued(ctx, owner_id, kind)


def resolve_attachments(
    ctx: TenantContext, references: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], bytes]]:
    """The archived bytes of each attachment. A reference by owner and kind becomes one by
    the archived document's id (the document is rendered and archived if it is not yet)."""
    resolved = []
    for reference in references:
        if reference.get("document_id"):
            resolved.append((reference, archive.read(ctx, reference["document_id"])))
            continue
        row = archive.find(ctx, reference["owner_id"], reference["kind"])
        if row is None:
            row, content = _render(ctx, reference["owner_id"], reference["kind"])
        else:
            content = archive.read_row(row)
        resolved.append(
            (
                {
                    "document_id": row["id"],
                    "filename": reference["filename"],
                    "media_type": reference["media_type"],
                },
                content,
            )
        )
    return resolved


# -- one message ------------------------------------------------------------------------------


@dataclass
class _Claimed:
    row: dict[str, Any]
    message: EmailMessage | None
    error: Exception | None  # preparing it failed: the attempt failed with this


def _prepare(ctx: TenantContext, row: dict[str, Any], now: datetime) -> EmailMessage:
    """The message with its attachments; the row's references now name archived documents.
    Raises TemporaryFailure when an attachment cannot be read or rendered (it may be later),
    PermanentFailure when the message cannot be built (a malformed address never heals).
    A message enqueued as a template is rendered (into ``row``)."""
    try:
        outbox.rendered(row)
    except Exception as exc:
        raise PermanentFailure(f"the mail cannot be rendered: {_describe(exc)}") from exc
    savepoint = ctx.uow.connection.begin_nested()
    try:
        attachments = resolve_attachments(ctx, list(row["attachments"] or []))
        savepoint.commit()
    except Exception as exc:
        savepoint.rollback()
        raise TemporaryFailure(f"an attachment is not available: {_describe(exc)}") from exc
    row["attachments"] = [reference for reference, _ in attachments]
    try:
        return build_message(row, attachments, now)
    except Exception as exc:
        raise PermanentFailure(f"the message cannot be built: {_describe(exc)}") from exc


def _claim(ctx: TenantContext, now: datetime) -> _Claimed | None:
    """Take the oldest due message: count the attempt, hold it for ``LEASE``, prepare it."""
    c = outbox_messages.c
    statement = (
        ctx.scope.select(outbox_messages)
        .where(c.state == PENDING, c.next_attempt_at <= now)
        .order_by(c.next_attempt_at, c.id)
        .with_for_update(skip_locked=True)
    )
    row = ctx.scope.first(statement)
    if row is None:
        return None
    row["attempts"] += 1
    written = row["body_text"] is not None
    message: EmailMessage | None = None
    error: Exception | None = None
    try:
        message = _prepare(ctx, row, now)
    except (TemporaryFailure, PermanentFailure) as exc:
        error = exc
    values = {
        "attempts": row["attempts"],
        "next_attempt_at": now + LEASE,
        "attachments": row["attachments"],
    }
    if not written and row["body_text"] is not None:  # rendered now: kept as sent
        values.update(
            subject=row["subject"], body_text=row["body_text"], body_html=row["body_html"]
        )
    ctx.scope.update(outbox_messages, row["id"], values)
    return _Claimed(row, message, error)


def _record(ctx: TenantContext, row: dict[str, Any], now: datetime, error: Exception | None) -> str:
    """Store the outcome of an attempt; the message's new state."""
    if error is None:
        values: dict[str, Any] = {
            "state": SENT,
            "sent_at": now,
            "next_attempt_at": None,
            "last_error": None,
        }
    else:
        text = str(error)
        permanent = isinstance(error, PermanentFailure) or row["attempts"] >= MAX_ATTEMPTS
        values = {"last_error": text[:MAX_ERROR]}
        if permanent:
            values.update(state=FAILED, next_attempt_at=None)
        else:
            values.update(state=PENDING, next_attempt_at=now + BACKOFF[row["attempts"] - 1])
    ctx.scope.update(outbox_messages, row["id"], values)
    return str(values["state"])


# -- the pass ---------------------------------------------------------------------------------


def _due_tenants(engine: Engine, now: datetime, only: Sequence[str] | None) -> list[str]:
    """Tenants with due pending messages, the longest waiting first."""
    c = outbox_messages.c
    statement = (
        select(c.tenant_id)
        .where(c.state == PENDING, c.next_attempt_at <= now)
        .group_by(c.tenant_id)
        .order_by(func.min(c.next_attempt_at), c.tenant_id)
    )
    if only is not None:
        statement = statement.where(c.tenant_id.in_(list(only)))
    with UnitOfWork(engine) as uow:
        return list(uow.connection.execute(statement).scalars())


def deliver_due(
    engine: Engine,
    settings: Settings,
    wall_clock: WallClock,
    limit: int = 100,
    *,
    tenant_ids: Sequence[str] | None = None,
) -> DeliveryPass:
    """Send up to ``limit`` due pending messages, in real time, of every tenant (or of
    ``tenant_ids``), after queueing their owed mails (``owed.queue_all``). Without an SMTP
    server (``TURNUS_SMTP_HOST`` unset) nothing is touched: the messages stay pending. When
    the server cannot be reached, the pass ends after the message that found out (its
    attempt counts; the others keep theirs)."""
    result = DeliveryPass(configured=settings.smtp_configured)
    if not settings.smtp_configured:
        return result
    owed.queue_all(engine, wall_clock, tenant_ids=tenant_ids)
    connection = _Connection(settings)
    try:
        for tenant_id in _due_tenants(engine, wall_clock.now(), tenant_ids):
            while result.sent + result.deferred + result.failed < limit:
                with UnitOfWork(engine) as uow:
                    ctx = TenantContext(
                        uow=uow, tenant_id=tenant_id, actor=MAILER, wall_clock=wall_clock
                    )
                    claimed = _claim(ctx, wall_clock.now())
                if claimed is None:
                    break
                error = claimed.error
                if error is None:
                    assert claimed.message is not None
                    try:
                        connection.send(
                            claimed.message, claimed.row["from_address"], claimed.row["to_address"]
                        )
                    except (TemporaryFailure, PermanentFailure) as exc:
                        error = exc
                with UnitOfWork(engine) as uow:
                    ctx = TenantContext(
                        uow=uow, tenant_id=tenant_id, actor=MAILER, wall_clock=wall_clock
                    )
                    state = _record(ctx, claimed.row, wall_clock.now(), error)
                if state == SENT:
                    result.sent += 1
                elif state == FAILED:
                    result.failed += 1
                else:
                    result.deferred += 1
                if error is not None:
                    result.errors.append(f"{claimed.row['id']}: {error}")
                    if isinstance(error, Unreachable):
                        return result
            if result.sent + result.deferred + result.failed >= limit:
                break
    finally:
        connection.close()
    return result
