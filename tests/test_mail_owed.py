"""A billing run of batches (``run.bill``: ``turnus bill``, the worker) writes that the mails of
the invoices it issues are owed, in the transaction that issues them; the mail worker queues
them as outbox messages, once each, showing the invoice as issued; ``turnus worker`` and
``turnus mail queue`` queue them without an SMTP server, ``turnus mail send`` before sending."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from tests.conftest import Merchant
from tests.mail_fixtures import Collector
from tests.test_contracts_api import catalog, post, signup
from tests.test_invoices_api import new_customer
from tests.test_mail import FAKE_PDF, deliver, mail, mails, tenant_context
from turnus.cli import app
from turnus.config import Settings, get_settings
from turnus.services import worker
from turnus.services.billing import run
from turnus.services.documents import archive, render
from turnus.services.mail import owed
from turnus.services.wall_clock import FixedWallClock
from turnus.store.document_tables import outbox_messages, owed_mails

runner = CliRunner()


def owed_count(engine: Engine, merchant: Merchant) -> int:
    with engine.connect() as connection:
        statement = select(owed_mails.c.document_ids).where(
            owed_mails.c.tenant_id == merchant.tenant_id
        )
        return sum(len(ids) for ids in connection.execute(statement).scalars())


def invoices_of(merchant: Merchant) -> list[dict[str, Any]]:
    return list(merchant.get("/v1/invoices?limit=100").json()["data"])


def bill_in_batches(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, customers: int = 1
) -> list[dict[str, Any]]:
    """``customers`` customers, each with a flex contract (14.90 + 4.90 setup, 7 % VAT), billed
    by ``run.bill``: one invoice each."""
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    for index in range(customers - 1):
        ids["customer"] = new_customer(merchant, f"Kunde{index}")
        signup(merchant, ids, "flex")
    assert run.bill(engine, merchant.tenant_id, wall_clock).invoices == customers
    return invoices_of(merchant)


def test_a_run_owes_the_mails_and_the_queue_makes_each_one_message(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    invoices = bill_in_batches(merchant, engine, wall_clock, customers=3)
    assert mails(merchant) == []  # nothing queued by the run itself
    assert owed_count(engine, merchant) == 3
    assert (
        owed.queue_all(engine, wall_clock, tenant_ids=[merchant.tenant_id], batch=2) == 3
    )  # two transactions
    assert owed_count(engine, merchant) == 0
    queued = mails(merchant)
    assert sorted(m["related_id"] for m in queued) == sorted(i["id"] for i in invoices)
    by_invoice = {m["related_id"]: m for m in queued}
    for invoice in invoices:
        message = by_invoice[invoice["id"]]
        assert message["kind"] == "invoice" and message["state"] == "pending"
        assert message["attachments"] == [
            {
                "owner_id": invoice["id"],
                "kind": "pdf",
                "filename": f"{invoice['number']}.pdf",
                "media_type": "application/pdf",
                "document_id": None,
            }
        ]
        assert mail(merchant, message["id"])["subject"] == (
            f"Ihre Rechnung {invoice['number']} von Testhaus GmbH"
        )
    erika = next(m for m in queued if m["to_address"] == "erika@example.com")
    text = mail(merchant, erika["id"])["body_text"]
    assert "Guten Tag Erika Mustermann," in text
    assert "Zu zahlen: 21,19\N{NO-BREAK SPACE}€" in text
    assert "Fällig am: 9. Dezember 2026" in text
    assert owed.queue_all(engine, wall_clock, tenant_ids=[merchant.tenant_id]) == 0  # queued once
    assert len(mails(merchant)) == 3


def test_each_batch_lists_its_mails_and_the_queue_takes_every_list(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    """Five invoices in batches of two: lists of 2, 2 and 1. Queued 3 at a time, each list
    gives fewer than 3, and the queue still goes on to the next list."""
    ids = catalog(merchant)
    for index in range(5):
        ids["customer"] = new_customer(merchant, f"Kundin{index}")
        signup(merchant, ids, "flex")
    assert run.bill(engine, merchant.tenant_id, wall_clock, batch_size=2).invoices == 5
    with engine.connect() as connection:
        listed = connection.execute(
            select(owed_mails.c.document_ids)
            .where(owed_mails.c.tenant_id == merchant.tenant_id)
            .order_by(owed_mails.c.id)
        ).scalars()
        assert [len(ids) for ids in listed] == [2, 2, 1]
    with engine.begin() as connection:  # an empty list (none is written) is passed over
        connection.execute(
            owed_mails.insert().values(
                tenant_id=merchant.tenant_id, id="owe_00000000000000000000000000", document_ids=[]
            )
        )
    assert owed.queue_all(engine, wall_clock, tenant_ids=[merchant.tenant_id], batch=3) == 5
    assert owed_count(engine, merchant) == 0
    with engine.connect() as connection:
        left = select(func.count()).where(owed_mails.c.tenant_id == merchant.tenant_id)
        assert connection.execute(left).scalar_one() == 0
    assert sorted(m["related_id"] for m in mails(merchant)) == sorted(
        i["id"] for i in invoices_of(merchant)
    )


def test_the_mail_shows_the_amount_due_at_issue_after_a_payment(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    [invoice] = bill_in_batches(merchant, engine, wall_clock)
    paid = post(merchant, f"/v1/invoices/{invoice['id']}/mark_paid", {}, status=200)
    assert paid["amount_due"] == 0
    assert owed.queue_all(engine, wall_clock, tenant_ids=[merchant.tenant_id]) == 1
    [queued] = mails(merchant)
    with tenant_context(engine, merchant, wall_clock) as ctx:
        stored = ctx.scope.get(outbox_messages, queued["id"], what="outbox message")
    assert stored["template"]["document"]["amount_due"] == 2119
    assert stored["template"]["document"]["number"] == invoice["number"]
    assert "Zu zahlen: 21,19\N{NO-BREAK SPACE}€" in mail(merchant, queued["id"])["body_text"]


def test_a_run_inside_the_callers_transaction_queues_at_once(merchant: Merchant) -> None:
    """The API's run (and a sandbox's scheduled one) is small: its mails go to the outbox in
    its transaction, as every other document's."""
    ids = catalog(merchant)
    signup(merchant, ids, "flex")
    post(merchant, "/v1/billing_runs", {}, status=200)
    [invoice] = invoices_of(merchant)
    [queued] = mails(merchant)
    assert queued["related_id"] == invoice["id"]


def test_queueing_at_once_in_two_threads_makes_each_message_once(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    invoices = bill_in_batches(merchant, engine, wall_clock, customers=6)
    counts: list[int] = []
    errors: list[BaseException] = []

    def queue() -> None:
        try:
            counts.append(
                owed.queue_all(engine, wall_clock, tenant_ids=[merchant.tenant_id], batch=1)
            )
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=queue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 6
    assert sorted(m["related_id"] for m in mails(merchant)) == sorted(i["id"] for i in invoices)


def test_a_tenant_whose_mails_cannot_be_queued_keeps_them_owed_and_the_others_go_on(
    merchant: Merchant,
    other_merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bill_in_batches(merchant, engine, wall_clock, customers=2)
    bill_in_batches(other_merchant, engine, wall_clock)
    both = [merchant.tenant_id, other_merchant.tenant_id]
    issued = owed.hooks.invoices_issued

    def broken_for_merchant(ctx: Any, *args: Any) -> int:
        if ctx.tenant_id == merchant.tenant_id:
            raise RuntimeError("the outbox is gone")
        return issued(ctx, *args)

    monkeypatch.setattr(owed.hooks, "invoices_issued", broken_for_merchant)
    assert owed.queue_all(engine, wall_clock, tenant_ids=both) == 1
    assert "owed mails of tenant" in caplog.text and "the outbox is gone" in caplog.text
    assert owed_count(engine, merchant) == 2 and mails(merchant) == []
    assert owed_count(engine, other_merchant) == 0 and len(mails(other_merchant)) == 1
    monkeypatch.undo()
    assert owed.queue_all(engine, wall_clock, tenant_ids=both) == 2
    assert len(mails(merchant)) == 2


def test_sending_queues_the_owed_mails_first(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    smtp: tuple[Collector, int],
    smtp_settings: Settings,
) -> None:
    [invoice] = bill_in_batches(merchant, engine, wall_clock)
    with tenant_context(engine, merchant, wall_clock) as ctx:  # the PDF the worker renders
        archive.archive(
            ctx,
            owner_type="invoice",
            owner_id=invoice["id"],
            kind="pdf",
            content=FAKE_PDF,
            media_type="application/pdf",
            filename=f"{invoice['number']}.pdf",
        )
    result = deliver(engine, smtp_settings, wall_clock, merchant)
    assert (result.sent, result.failed) == (1, 0), result.errors
    [message] = smtp[0].messages()
    assert str(message["Subject"]) == f"Ihre Rechnung {invoice['number']} von Testhaus GmbH"
    assert owed_count(engine, merchant) == 0
    [sent] = mails(merchant, "state=sent")
    assert sent["related_id"] == invoice["id"]


@pytest.fixture
def without_smtp(cli_database: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TURNUS_SMTP_HOST", raising=False)
    get_settings.cache_clear()


def test_mail_queue_and_the_worker_queue_without_an_smtp_server(
    without_smtp: None,
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bill_in_batches(merchant, engine, wall_clock, customers=2)
    result = runner.invoke(app, ["mail", "queue", "--tenant", "ten_other"])
    assert result.exit_code == 0, result.output
    assert "0 owed mail(s) queued" in result.output
    assert owed_count(engine, merchant) == 2
    result = runner.invoke(app, ["mail", "queue", "--tenant", merchant.tenant_id])
    assert result.exit_code == 0, result.output
    assert "2 owed mail(s) queued" in result.output
    assert len(mails(merchant)) == 2

    ids = catalog(merchant)
    ids["customer"] = new_customer(merchant, "Spaet")
    signup(merchant, ids, "flex")
    assert run.bill(engine, merchant.tenant_id, wall_clock).invoices == 1
    # the worker's other work (live tenants of other tests, in real time; their PDFs) is not
    # this test's: only its mail queueing runs for real
    monkeypatch.setattr(worker, "run_live_tenants", lambda *_: worker.WorkerPass(0, 0, 0))
    monkeypatch.setattr(render, "render_pending", lambda *_: 0)
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "owed mail(s) queued" in result.output  # other tests' tenants' too
    assert owed_count(engine, merchant) == 0
    assert len(mails(merchant)) == 3
