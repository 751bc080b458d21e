"""Mail through the transactional outbox, delivered to a real SMTP server (aiosmtpd on
127.0.0.1): a committed cancellation enqueues its confirmation (a preview does not), an issued
invoice, credit note or cancellation invoice its mail with the PDF; delivery with From,
Reply-To, bodies and the archived PDF; back-off when the server is unreachable, failure on a
550, retry through the API, nothing lost without an SMTP server; German and English texts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import START, TEST_ACTOR, Merchant, assert_problem
from tests.mail_fixtures import Collector, free_port
from tests.test_contracts_api import ADDRESS, catalog, post, signup
from turnus.config import ConfigError, Settings, load_settings
from turnus.domain.contracts.lifecycle import CancellationKind
from turnus.domain.pagination import PageRequest
from turnus.services.billing import invoices as invoice_service
from turnus.services.context import TenantContext
from turnus.services.contracts.confirmation import cancellation_confirmation
from turnus.services.documents import archive
from turnus.services.documents import settings as document_settings
from turnus.services.mail import hooks, outbox, sender, templates
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock
from turnus.store.document_tables import outbox_messages

FAKE_PDF = b"%PDF-1.7\n% a stand-in for the rendered invoice\n%%EOF\n"
# amounts in German read "21,19 €" with a no-break space before the currency sign


# -- helpers -----------------------------------------------------------------------------------


def deliver(
    engine: Engine, settings: Settings, wall_clock: FixedWallClock, merchant: Merchant
) -> sender.DeliveryPass:
    return sender.deliver_due(engine, settings, wall_clock, tenant_ids=[merchant.tenant_id])


def mails(merchant: Merchant, query: str = "") -> list[dict[str, Any]]:
    response = merchant.get(f"/v1/outbox?limit=100&{query}")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def mail(merchant: Merchant, message_id: str) -> dict[str, Any]:
    response = merchant.get(f"/v1/outbox/{message_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


@contextmanager
def tenant_context(
    engine: Engine, merchant: Merchant, wall_clock: FixedWallClock
) -> Iterator[TenantContext]:
    with UnitOfWork(engine) as uow:
        yield TenantContext(
            uow=uow, tenant_id=merchant.tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock
        )


def sender_settings(engine: Engine, merchant: Merchant, wall_clock: FixedWallClock) -> None:
    with tenant_context(engine, merchant, wall_clock) as ctx:
        document_settings.update(
            ctx,
            {
                "email_from": "abo@kaffee.example",
                "email_from_name": "Kaffeerösterei Beispiel",
                "email_reply_to": "service@kaffee.example",
            },
        )


def archive_pdfs(engine: Engine, merchant: Merchant, wall_clock: FixedWallClock) -> None:
    """Stand-ins for the rendered PDFs of the merchant's mailed documents (the archive keeps
    them; the sender reads them from there)."""
    with tenant_context(engine, merchant, wall_clock) as ctx:
        for row in outbox.list_messages(ctx, PageRequest(limit=100)).data:
            for reference in row["attachments"]:
                archive.archive(
                    ctx,
                    owner_type="invoice",
                    owner_id=reference["owner_id"],
                    kind=reference["kind"],
                    content=FAKE_PDF + reference["owner_id"].encode(),
                    media_type="application/pdf",
                    filename=reference["filename"],
                )


def bill(merchant: Merchant) -> dict[str, Any]:
    """Sign up the flex coffee plan and bill it: one invoice of 14.90 + 4.90 setup, 7 % VAT."""
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    post(merchant, "/v1/billing_runs", {}, status=200)
    [invoice] = merchant.get("/v1/invoices").json()["data"]
    return dict(invoice)


def body_of(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


# -- enqueueing --------------------------------------------------------------------------------


def test_a_committed_cancellation_enqueues_its_confirmation_a_preview_does_not(
    merchant: Merchant,
) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    order = {"type": "cancel", "contract_id": contract["id"]}
    preview = post(merchant, "/v1/orders/preview", order, status=200)
    assert preview["order"] is None
    assert mails(merchant, "kind=cancellation_confirmation") == []
    committed = post(merchant, "/v1/orders", order)
    confirmation = committed["contract"]["cancellation"]["confirmation"]
    [queued] = mails(merchant, f"related_id={contract['id']}")
    assert queued["kind"] == "cancellation_confirmation"
    assert queued["related_type"] == "contract"
    assert queued["to_address"] == "erika@example.com"
    assert queued["state"] == "pending" and queued["attempts"] == 0
    assert queued["attachments"] == []
    assert "body_text" not in queued  # the list leaves the bodies out
    full = mail(merchant, queued["id"])
    assert full["subject"].startswith("Bestätigung Ihrer Kündigung")
    assert confirmation["text"] in full["body_text"]  # the stored confirmation, word for word
    assert "Vertragsende: mit Ablauf des 24. November 2027" in full["body_text"]  # the end
    assert "Eingang der Kündigung: 25. November 2026, 10:00:00 MEZ" in full["body_text"]
    assert "§ 312k" in full["body_text"]
    assert full["body_html"] and "Ablauf des 24. November 2027" in full["body_html"]
    # the default sender: the merchant has no address of its own
    assert queued["from_address"] == outbox.NOREPLY
    assert queued["from_name"] == "Testhaus GmbH" and queued["reply_to"] is None


def test_a_refused_cancellation_enqueues_nothing(merchant: Merchant) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    again = merchant.post("/v1/orders", json={"type": "cancel", "contract_id": contract["id"]})
    assert_problem(again, 409)
    assert len(mails(merchant, "kind=cancellation_confirmation")) == 1


def test_an_issued_invoice_enqueues_its_mail_with_the_pdf(merchant: Merchant) -> None:
    invoice = bill(merchant)
    assert invoice["state"] == "open"
    [queued] = mails(merchant, f"related_id={invoice['id']}")
    assert queued["kind"] == "invoice" and queued["related_type"] == "invoice"
    assert queued["to_address"] == "erika@example.com"
    assert queued["attachments"] == [
        {
            "owner_id": invoice["id"],
            "kind": "pdf",
            "filename": f"{invoice['number']}.pdf",
            "media_type": "application/pdf",
            "document_id": None,
        }
    ]
    full = mail(merchant, queued["id"])
    assert full["subject"] == f"Ihre Rechnung {invoice['number']} von Testhaus GmbH"
    text = full["body_text"]
    assert "Guten Tag Erika Mustermann," in text
    assert f"Rechnungsnummer: {invoice['number']}" in text
    assert "Zu zahlen: 21,19\N{NO-BREAK SPACE}€" in text  # 14.90 + 4.90 net, 7 % VAT
    assert "Fällig am: 9. Dezember 2026" in text  # 14 days of payment terms


def test_an_invoice_mail_shows_the_invoice_as_issued_and_keeps_what_was_sent(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
) -> None:
    """The billing run stores the mail's values, not its text: rendered when first read or
    sent, it still shows the amount due at issue after the invoice was paid; once sent, the
    text sent is stored with the message."""
    invoice = bill(merchant)
    [queued] = mails(merchant, f"related_id={invoice['id']}")
    with tenant_context(engine, merchant, wall_clock) as ctx:
        stored = ctx.scope.get(outbox_messages, queued["id"], what="outbox message")
    assert stored["body_text"] is None and stored["subject"] is None
    assert stored["template"]["document"]["amount_due"] == 2119
    paid = merchant.post(f"/v1/invoices/{invoice['id']}/mark_paid", json={})
    assert paid.status_code == 200, paid.text
    assert paid.json()["amount_due"] == 0
    assert "Zu zahlen: 21,19\N{NO-BREAK SPACE}€" in mail(merchant, queued["id"])["body_text"]
    archive_pdfs(engine, merchant, wall_clock)
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert result.sent == 1, result.errors
    [message] = smtp[0].messages()
    with tenant_context(engine, merchant, wall_clock) as ctx:
        sent = ctx.scope.get(outbox_messages, queued["id"], what="outbox message")
    assert sent["state"] == "sent"
    assert sent["subject"] == str(message["Subject"])
    assert sent["body_text"] == body_of(message)
    assert "Zu zahlen: 21,19\N{NO-BREAK SPACE}€" in sent["body_text"]


def test_finalizing_a_draft_and_correcting_an_invoice_enqueue_mails(merchant: Merchant) -> None:
    response = merchant.patch("/v1/billing_settings", json={"draft_grace_days": 3})
    assert response.status_code == 200, response.text
    draft = bill(merchant)
    assert draft["state"] == "draft"
    assert mails(merchant) == []  # a draft is not mailed
    invoice = post(merchant, f"/v1/invoices/{draft['id']}/finalize", {}, status=200)
    [queued] = mails(merchant, f"related_id={invoice['id']}")
    assert queued["kind"] == "invoice"
    assert queued["attachments"][0]["filename"] == f"{invoice['number']}.pdf"
    note = post(
        merchant,
        f"/v1/invoices/{invoice['id']}/credit_notes",
        {"reason": "Kulanz", "full": True},
    )
    [credit] = mails(merchant, "kind=credit_note")
    assert credit["related_id"] == note["id"]
    assert credit["subject"] == (
        f"Gutschrift {note['number']} zur Rechnung {invoice['number']} von Testhaus GmbH"
    )
    text = mail(merchant, credit["id"])["body_text"]
    assert "Betrag: 21,19\N{NO-BREAK SPACE}€" in text and "Grund: Kulanz" in text


def test_a_voided_invoice_mails_the_cancellation_invoice(merchant: Merchant) -> None:
    invoice = bill(merchant)
    voided = post(
        merchant, f"/v1/invoices/{invoice['id']}/void", {"reason": "Falscher Preis"}, status=200
    )
    cancellation = voided["cancellation"]
    [queued] = mails(merchant, "kind=cancellation")
    assert queued["related_id"] == cancellation["id"]
    assert queued["subject"].startswith(f"Stornorechnung {cancellation['number']} zur Rechnung")
    assert queued["attachments"][0]["filename"] == f"{cancellation['number']}.pdf"


def test_invoice_issued_enqueues_one_documents_mail(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    invoice = bill(merchant)
    with tenant_context(engine, merchant, wall_clock) as ctx:
        row = invoice_service.get_invoice(ctx, invoice["id"])
        assert hooks.invoice_issued(ctx, row) == 1
    first, second = mails(merchant, f"related_id={invoice['id']}")
    assert first["subject"] == second["subject"] and first["id"] != second["id"]


# -- delivery --------------------------------------------------------------------------------


def test_delivery_sends_the_invoice_with_its_archived_pdf(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sender_settings(engine, merchant, wall_clock)
    invoice = bill(merchant)
    rendered: list[str] = []

    def render(ctx: TenantContext, owner_id: str, kind: str) -> tuple[dict[str, Any], bytes]:
        """Stands in for rendering the PDF (render.issued): archived on first use."""
        rendered.append(owner_id)
        row = archive.archive(
            ctx,
            owner_type="invoice",
            owner_id=owner_id,
            kind=kind,
            content=FAKE_PDF,
            media_type="application/pdf",
            filename="archived.pdf",
        )
        return row, FAKE_PDF

    monkeypatch.setattr(sender, "_render", render)
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert (result.sent, result.deferred, result.failed) == (1, 0, 0), result.errors
    assert rendered == [invoice["id"]]
    handler, _ = smtp
    [envelope] = handler.envelopes
    assert envelope.mail_from == "abo@kaffee.example"
    assert envelope.rcpt_tos == ["erika@example.com"]
    [message] = handler.messages()
    assert message["From"].addresses[0].display_name == "Kaffeerösterei Beispiel"
    assert message["From"].addresses[0].addr_spec == "abo@kaffee.example"
    assert str(message["Reply-To"]) == "service@kaffee.example"
    assert str(message["To"]) == "erika@example.com"
    assert str(message["Subject"]) == (
        f"Ihre Rechnung {invoice['number']} von Kaffeerösterei Beispiel"
    )
    assert message["Message-ID"].startswith("<msg_")
    assert invoice["number"] in body_of(message)
    assert "Zu zahlen: 21,19\N{NO-BREAK SPACE}€" in body_of(message)
    assert invoice["number"] in body_of(message, "html")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{invoice['number']}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == FAKE_PDF
    [sent] = mails(merchant, "state=sent")
    assert sent["sent_at"] is not None and sent["attempts"] == 1
    assert sent["next_attempt_at"] is None and sent["last_error"] is None
    # the reference now names the archived document that was sent
    with tenant_context(engine, merchant, wall_clock) as ctx:
        document = archive.find(ctx, invoice["id"], "pdf")
    assert document is not None
    assert sent["attachments"] == [
        {
            "document_id": document["id"],
            "filename": f"{invoice['number']}.pdf",
            "media_type": "application/pdf",
            "owner_id": None,
            "kind": None,
        }
    ]
    # nothing is sent twice
    again = deliver(engine, smtp_settings, wall_clock, merchant)
    assert again.sent == 0 and len(handler.envelopes) == 1


def test_delivery_sends_the_cancellation_confirmation(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "magazine")["contract"]
    # the sandbox clock travels; the mail still goes out in real time
    merchant.post("/v1/clock/advance", json={"to": "2027-10-26T11:00:00+02:00"})
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    archive_pdfs(engine, merchant, wall_clock)  # the invoices billed on the way
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert result.failed == 0 and result.deferred == 0, result.errors
    handler, _ = smtp
    [message] = [m for m in handler.messages() if str(m["Subject"]).startswith("Bestätigung Ihrer")]
    assert message["To"].addresses[0].addr_spec == "erika@example.com"
    assert message["From"].addresses[0].addr_spec == outbox.NOREPLY
    assert message["Reply-To"] is None
    text = body_of(message)
    assert "Der Vertrag endet mit Ablauf des 25. November 2027." in text  # one day too late
    assert "Eingang der Kündigung: 26. Oktober 2027, 11:00:00 MESZ" in text
    assert "Vertragsende: mit Ablauf des 25. November 2027" in text
    assert list(message.iter_attachments()) == []


def test_an_unreachable_server_is_tried_again_later(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, settings: Settings
) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")["contract"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    nobody = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": free_port(), "smtp_timeout": 2.0}
    )
    result = deliver(engine, nobody, wall_clock, merchant)
    assert (result.sent, result.deferred, result.failed) == (0, 1, 0)
    [queued] = mails(merchant)
    assert queued["state"] == "pending" and queued["attempts"] == 1
    assert datetime.fromisoformat(queued["next_attempt_at"]) == START + timedelta(minutes=1)
    assert "cannot connect" in queued["last_error"]
    # not yet due: nothing is tried
    assert deliver(engine, nobody, wall_clock, merchant).deferred == 0
    # 1 min, 5 min, 30 min, 2 h, 12 h; the sixth failed attempt fails the message
    waits = [timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12)]
    for attempt, wait in enumerate(waits, start=2):
        wall_clock.moment = datetime.fromisoformat(mail(merchant, queued["id"])["next_attempt_at"])
        assert deliver(engine, nobody, wall_clock, merchant).deferred == 1
        found = mail(merchant, queued["id"])
        assert found["attempts"] == attempt and found["state"] == "pending"
        assert datetime.fromisoformat(found["next_attempt_at"]) == wall_clock.moment + wait
    wall_clock.moment = datetime.fromisoformat(mail(merchant, queued["id"])["next_attempt_at"])
    assert deliver(engine, nobody, wall_clock, merchant).failed == 1
    found = mail(merchant, queued["id"])
    assert found["state"] == "failed" and found["attempts"] == 6
    assert found["next_attempt_at"] is None and "cannot connect" in found["last_error"]


def test_a_550_fails_the_mail_visibly_and_a_retry_sends_it(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
) -> None:
    handler, _ = smtp
    handler.refuse.add("erika@example.com")
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")["contract"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert (result.sent, result.deferred, result.failed) == (0, 0, 1)
    [failed] = mails(merchant, "state=failed")
    assert failed["attempts"] == 1 and failed["next_attempt_at"] is None
    assert "550" in failed["last_error"] and "erika@example.com" in failed["last_error"]
    assert mail(merchant, failed["id"])["last_error"] == failed["last_error"]
    assert handler.envelopes == []
    # a failed message is not tried again by itself
    wall_clock.moment += timedelta(days=1)
    assert deliver(engine, smtp_settings, wall_clock, merchant).failed == 0
    # the customer fixed the mailbox: retry
    handler.refuse.clear()
    retried = post(merchant, f"/v1/outbox/{failed['id']}/retry", {}, status=200)
    assert retried["state"] == "pending" and retried["attempts"] == 0
    assert retried["body_text"]
    assert_problem(merchant.post(f"/v1/outbox/{failed['id']}/retry", json={}), 409)
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert result.sent == 1, result.errors
    sent = mail(merchant, failed["id"])
    assert sent["state"] == "sent" and sent["last_error"] is None
    assert handler.envelopes[0].rcpt_tos == ["erika@example.com"]
    audit = merchant.get("/v1/audit_events?object_type=outbox_message").json()["data"]
    assert [e["action"] for e in audit] == ["retried"]


def test_without_smtp_nothing_is_sent_and_nothing_lost(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, settings: Settings
) -> None:
    assert settings.smtp_host is None and not settings.smtp_configured
    bill(merchant)
    ids = {c["id"] for c in merchant.get("/v1/contracts").json()["data"]}
    for contract_id in ids:
        post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract_id})
    result = deliver(engine, settings, wall_clock, merchant)
    assert not result.configured and result.sent == result.deferred == result.failed == 0
    pending = mails(merchant, "state=pending")
    assert sorted(m["kind"] for m in pending) == ["cancellation_confirmation", "invoice"]
    assert all(m["attempts"] == 0 for m in pending)


def test_a_crash_while_sending_leaves_the_message_to_a_later_pass(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
) -> None:
    ids = catalog(merchant)
    contract = signup(merchant, ids, "flex")["contract"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    with tenant_context(engine, merchant, wall_clock) as ctx:
        claimed = sender._claim(ctx, wall_clock.now())  # then the process dies
    assert claimed is not None and claimed.message is not None
    assert deliver(engine, smtp_settings, wall_clock, merchant).sent == 0  # still held
    wall_clock.moment += sender.LEASE
    assert deliver(engine, smtp_settings, wall_clock, merchant).sent == 1
    [sent] = mails(merchant)
    assert sent["state"] == "sent" and sent["attempts"] == 2


def test_outbox_api_lists_filters_and_isolates_tenants(
    merchant: Merchant, other_merchant: Merchant
) -> None:
    ids = catalog(merchant)
    first = signup(merchant, ids, "flex")["contract"]
    second = signup(merchant, ids, "magazine")["contract"]
    for contract in (first, second):
        post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    listed = mails(merchant)
    assert [m["related_id"] for m in listed] == [second["id"], first["id"]]  # newest first
    page = merchant.get("/v1/outbox?limit=1").json()
    assert page["has_more"] is True and page["data"][0]["id"] == listed[0]["id"]
    rest = merchant.get(f"/v1/outbox?limit=1&starting_after={listed[0]['id']}").json()
    assert [m["id"] for m in rest["data"]] == [listed[1]["id"]] and rest["has_more"] is False
    assert mails(merchant, "state=sent") == [] and mails(merchant, "kind=invoice") == []
    assert_problem(merchant.get("/v1/outbox?state=lost"), 422)
    assert other_merchant.get("/v1/outbox").json()["data"] == []
    assert_problem(other_merchant.get(f"/v1/outbox/{listed[0]['id']}"), 404)
    assert_problem(other_merchant.post(f"/v1/outbox/{listed[0]['id']}/retry", json={}), 404)
    assert_problem(merchant.post(f"/v1/outbox/{listed[0]['id']}/retry", json={}), 409)


def test_two_senders_at_once_send_each_mail_once(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
) -> None:
    with tenant_context(engine, merchant, wall_clock) as ctx:
        for index in range(12):
            outbox.enqueue(
                ctx, kind="test", to=f"kunde{index}@example.com", subject="Hallo", body_text="Text"
            )
    results: list[sender.DeliveryPass] = []

    def run() -> None:
        results.append(deliver(engine, smtp_settings, wall_clock, merchant))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in results) == 12, [r.errors for r in results]
    handler, _ = smtp
    recipients = sorted(r for e in handler.envelopes for r in e.rcpt_tos)
    assert recipients == sorted(f"kunde{index}@example.com" for index in range(12))
    assert len({m["Message-ID"] for m in handler.messages()}) == 12
    assert {(m["state"], m["attempts"]) for m in mails(merchant)} == {("sent", 1)}


def test_the_mail_send_command(
    merchant: Merchant,
    engine: Engine,
    database_url: str,
    smtp: tuple[Collector, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from turnus import cli
    from turnus.config import get_settings

    # enqueued long ago, so due for the command's real clock
    with tenant_context(engine, merchant, FixedWallClock(datetime(2020, 1, 1, tzinfo=UTC))) as ctx:
        outbox.enqueue(ctx, kind="test", to="cli@example.com", subject="Hallo", body_text="Text")
    monkeypatch.setenv("TURNUS_DATABASE_URL", database_url)
    monkeypatch.setenv("TURNUS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TURNUS_SMTP_PORT", str(smtp[1]))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["mail", "send", "--tenant", merchant.tenant_id])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "mail: 1 sent, 0 to retry later, 0 failed" in result.output
    assert smtp[0].envelopes[0].rcpt_tos == ["cli@example.com"]


# -- German and English --------------------------------------------------------------------------


def test_english_customers_get_english_mails(merchant: Merchant) -> None:
    ids = catalog(merchant)
    customer = post(
        merchant,
        "/v1/customers",
        {
            "kind": "person",
            "first_name": "John",
            "last_name": "Smith",
            "email": "john@example.com",
            "billing_address": ADDRESS,
            "tax_status": "consumer",
            "locale": "en",
        },
    )
    contract = signup(merchant, {**ids, "customer": customer["id"]}, "magazine")["contract"]
    post(merchant, "/v1/orders", {"type": "cancel", "contract_id": contract["id"]})
    post(merchant, "/v1/billing_runs", {}, status=200)
    [confirmation] = mails(merchant, "kind=cancellation_confirmation")
    full = mail(merchant, confirmation["id"])
    assert full["to_address"] == "john@example.com"
    assert full["subject"].startswith("Confirmation of your cancellation")
    assert full["body_text"].startswith("Hello John Smith,")
    assert "The contract ends at the end of November 24, 2027." in full["body_text"]
    assert "Contract ends: at the end of November 24, 2027" in full["body_text"]
    [invoice_mail] = mails(merchant, "kind=invoice")
    full = mail(merchant, invoice_mail["id"])
    assert full["subject"].startswith("Your invoice ")
    assert "Amount due: €95.23" in full["body_text"]  # 89.00 + 7 % VAT
    assert "Due date: December 9, 2026" in full["body_text"]


INVOICE = {
    "document_type": "invoice",
    "number": "RE-2026-000042",
    "issue_date": date(2026, 11, 25),
    "due_date": date(2026, 12, 9),
    "currency": "EUR",
    "gross_total": 2119,
    "amount_due": 1619,
    "credit_applied": 500,
    "reason": None,
}


def test_invoice_mail_in_german_and_english() -> None:
    german = templates.invoice_mail(
        INVOICE, language="de", greeting_name="Erika Mustermann", merchant="Kaffee <&> GmbH"
    )
    assert german.subject == "Ihre Rechnung RE-2026-000042 von Kaffee <&> GmbH"
    assert german.text.startswith("Guten Tag Erika Mustermann,\n\nanbei erhalten Sie")
    for line in (
        "Rechnungsbetrag: 21,19\N{NO-BREAK SPACE}€",
        "Mit Ihrem Guthaben verrechnet: 5,00\N{NO-BREAK SPACE}€",
        "Zu zahlen: 16,19\N{NO-BREAK SPACE}€",
        "Fällig am: 9. Dezember 2026",
        "Mit freundlichen Grüßen\nKaffee <&> GmbH",
    ):
        assert line in german.text
    assert german.html is not None
    assert "Kaffee &lt;&amp;&gt; GmbH" in german.html and "<&>" not in german.html
    english = templates.invoice_mail(
        INVOICE, language="en", greeting_name=None, merchant="Kaffee GmbH"
    )
    assert english.subject == "Your invoice RE-2026-000042 from Kaffee GmbH"
    assert english.text.startswith("Hello,\n\nplease find attached your invoice RE-2026-000042")
    for line in ("Invoice total: €21.19", "Amount due: €16.19", "Due date: December 9, 2026"):
        assert line in english.text
    paid = templates.invoice_mail(
        {**INVOICE, "amount_due": 0, "credit_applied": 2119},
        language="de",
        greeting_name=None,
        merchant="M",
    )
    assert "Es ist nichts zu zahlen." in paid.text and "Zu zahlen" not in paid.text


def test_correction_mails_in_german_and_english() -> None:
    note = {**INVOICE, "document_type": "credit_note", "number": "GS-1", "gross_total": -690}
    note |= {"amount_due": 0, "credit_applied": 0, "reason": "Kulanz"}
    german = templates.invoice_mail(
        note, language="de", greeting_name=None, merchant="M", corrected_number="RE-1"
    )
    assert german.subject == "Gutschrift GS-1 zur Rechnung RE-1 von M"
    assert "Betrag: 6,90\N{NO-BREAK SPACE}€" in german.text and "Grund: Kulanz" in german.text
    cancellation = {**note, "document_type": "cancellation", "number": "ST-1"}
    english = templates.invoice_mail(
        cancellation, language="en", greeting_name=None, merchant="M", corrected_number="RE-1"
    )
    assert english.subject == "Cancellation invoice ST-1 for invoice RE-1 from M"
    assert "The invoice RE-1 is cancelled; you do not need to pay it." in english.text


@pytest.mark.parametrize(
    ("locale", "subject", "lines"),
    [
        (
            "de",
            "Bestätigung Ihrer Kündigung \N{EN DASH} Vertrag con_1 bei M",
            [
                "Eingang der Kündigung: 26. Oktober 2027, 11:00:00 MESZ",
                "Vertragsende: mit Ablauf des 25. November 2027",
                "§ 312k Abs. 4 BGB",
            ],
        ),
        (
            "en",
            "Confirmation of your cancellation \N{EN DASH} contract con_1 with M",
            [
                "Received: October 26, 2027",
                "Contract ends: at the end of November 25, 2027",
                "§ 312k (4)",
            ],
        ),
    ],
)
def test_cancellation_confirmation_mail(locale: str, subject: str, lines: list[str]) -> None:
    from zoneinfo import ZoneInfo

    confirmation = cancellation_confirmation(
        locale=locale,
        contract_id="con_1",
        kind=CancellationKind.ORDINARY,
        received_at=datetime(2027, 10, 26, 11, tzinfo=ZoneInfo("Europe/Berlin")),
        end=date(2027, 11, 26),
        reason=None,
    )
    rendered = templates.cancellation_mail(
        confirmation,
        contract_id="con_1",
        greeting_name="Erika",
        merchant="M",
        consumer=True,
        timezone="Europe/Berlin",
    )
    assert rendered.subject == subject
    assert confirmation["text"] in rendered.text
    for line in lines:
        assert line in rendered.text
    assert rendered.html is not None and confirmation["text"] in rendered.html
    business = templates.cancellation_mail(
        confirmation, contract_id="con_1", greeting_name=None, merchant="M", consumer=False
    )
    assert "312k" not in business.text


def test_language_of_locales() -> None:
    assert [templates.language_of(x) for x in ("de", "de-AT", "DE_ch", "en", "fr", None)] == [
        "de",
        "de",
        "de",
        "en",
        "en",
        "en",
    ]


# -- configuration -----------------------------------------------------------------------------


def test_smtp_settings_are_validated() -> None:
    assert load_settings(smtp_host="  ").smtp_host is None
    configured = load_settings(
        smtp_host="mail.example.com",
        smtp_port=587,
        smtp_security="starttls",
        smtp_username="turnus",
        smtp_password="secret",
    )
    assert configured.smtp_configured and configured.smtp_port == 587
    with pytest.raises(ConfigError, match="TURNUS_SMTP_PASSWORD"):
        load_settings(smtp_host="mail.example.com", smtp_username="turnus")
    with pytest.raises(ConfigError, match=r"TURNUS_SMTP_PASSWORD: .*starttls or ssl"):
        load_settings(smtp_host="mail.example.com", smtp_username="u", smtp_password="p")
    with pytest.raises(ConfigError, match="TURNUS_SMTP_SECURITY"):
        load_settings(smtp_security="tls")
    with pytest.raises(ConfigError, match="TURNUS_SMTP_PORT"):
        load_settings(smtp_port=0)
    with pytest.raises(ConfigError, match="TURNUS_SMTP_HOST"):
        load_settings(smtp_host="smtp://mail.example.com")


def test_an_unbuildable_message_fails_at_once(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp_settings: Settings,
) -> None:
    with tenant_context(engine, merchant, wall_clock) as ctx:
        row = outbox.enqueue(ctx, kind="test", to="broken@", subject="Hallo", body_text="Text")
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert result.failed == 1
    found = mail(merchant, row["id"])
    assert found["state"] == "failed" and "cannot be built" in found["last_error"]


def test_mail_send_command_needs_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from turnus import cli
    from turnus.config import get_settings

    monkeypatch.delenv("TURNUS_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["mail", "send"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "TURNUS_SMTP_HOST" in result.output
