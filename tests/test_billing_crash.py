"""A billing run killed at any point and run again bills everything exactly once: each batch is
one transaction, and the unique key of invoice items refuses a second copy of an item."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select

from tests.conftest import Merchant
from tests.test_contracts_api import catalog, post
from turnus.domain.errors import Conflict
from turnus.services.billing import run
from turnus.services.wall_clock import FixedWallClock
from turnus.store.billing_tables import invoice_items, invoices
from turnus.store.contract_tables import billing_schedule, contracts
from turnus.store.document_tables import owed_mails
from turnus.store.integrity import dangling_references
from turnus.store.scope import TenantScope
from turnus.store.tables import tenants

CONTRACTS = 24


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, the transaction never commits."""


def _contracts(merchant: Merchant) -> list[str]:
    ids = catalog(merchant)
    contract_ids = []
    for index in range(CONTRACTS):
        customer = post(
            merchant,
            "/v1/customers",
            {
                "kind": "person",
                "first_name": "Kunde",
                "last_name": str(index),
                "email": f"k{index}@example.com",
                "billing_address": {
                    "street": "Hauptstraße",
                    "house_number": "1",
                    "postcode": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
                "tax_status": "consumer",
            },
        )
        order = post(
            merchant,
            "/v1/orders",
            {"type": "signup", "customer_id": customer["id"], "variant_id": ids["flex"]},
        )
        contract_ids.append(order["contract"]["id"])
    return contract_ids


def _state(engine: Engine, tenant_id: str) -> tuple[Counter[str], list[str]]:
    with engine.connect() as connection:
        per_contract = Counter(
            row[0]
            for row in connection.execute(
                select(invoice_items.c.contract_id).where(invoice_items.c.tenant_id == tenant_id)
            )
        )
        numbers = sorted(
            connection.execute(
                select(invoices.c.number).where(invoices.c.tenant_id == tenant_id)
            ).scalars()
        )
    return per_contract, numbers


def _check_complete(engine: Engine, tenant_id: str, contract_ids: list[str]) -> None:
    per_contract, numbers = _state(engine, tenant_id)
    # every contract exactly once: its setup fee and its first month
    assert per_contract == Counter({cid: 2 for cid in contract_ids})
    assert numbers == [f"RE-2026-{n:06d}" for n in range(1, CONTRACTS + 1)]
    # and every invoice owes its mail exactly once (a crashed batch's owed mails went with it)
    with engine.connect() as connection:
        owed = Counter(
            document_id
            for listed in connection.execute(
                select(owed_mails.c.document_ids).where(owed_mails.c.tenant_id == tenant_id)
            ).scalars()
            for document_id in listed
        )
        issued = connection.execute(
            select(invoices.c.id).where(invoices.c.tenant_id == tenant_id)
        ).scalars()
        assert owed == Counter(issued)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("crash_at", ["invoices", "invoice_items", "ledger_entries"])
def test_crash_in_a_batch_then_resume(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    monkeypatch: pytest.MonkeyPatch,
    crash_at: str,
    workers: int,
) -> None:
    if workers > 1 and engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL other processes write, where the crash cannot be planted")
    contract_ids = _contracts(merchant)
    # contracts are billed in customer order, five per batch; each has a customer of its own
    with engine.connect() as connection:
        rows = connection.execute(
            select(contracts.c.id, contracts.c.customer_id)
            .where(contracts.c.tenant_id == merchant.tenant_id)
            .order_by(contracts.c.customer_id, contracts.c.id)
        ).all()
    in_order = [row.id for row in rows]
    by_customer = {row.customer_id: row.id for row in rows}
    third_batch = set(in_order[10:15])
    original = TenantScope.insert_many

    def contract_of(row: Any) -> str | None:
        if "contract_id" in row:
            return str(row["contract_id"])
        return by_customer.get(row.get("customer_id"))

    def dying_insert(self: TenantScope, table: Any, rows: Any) -> int:
        if table.name == crash_at and any(contract_of(row) in third_batch for row in rows):
            raise Crash
        return original(self, table, rows)

    monkeypatch.setattr(TenantScope, "insert_many", dying_insert)
    with pytest.raises(Crash):  # with two workers on SQLite, this process writes what they compute
        run.bill(engine, merchant.tenant_id, wall_clock, batch_size=5, workers=workers)
    per_contract, numbers = _state(engine, merchant.tenant_id)
    # the batches before the crash committed (and, on PostgreSQL, the one in flight beside
    # it); nothing of the crashed batch, no contract twice, and no gap in the numbers
    assert set(per_contract) >= set(in_order[:10])
    assert not set(per_contract) & third_batch
    assert set(per_contract.values()) == {2}
    assert numbers == [f"RE-2026-{n:06d}" for n in range(1, len(per_contract) + 1)]

    monkeypatch.setattr(TenantScope, "insert_many", original)
    resumed = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=5)
    assert resumed.invoices == CONTRACTS - len(per_contract)
    _check_complete(engine, merchant.tenant_id, contract_ids)
    again = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=5)
    assert again.invoices == 0 and again.items == 0
    _check_complete(engine, merchant.tenant_id, contract_ids)
    with engine.connect() as connection:
        assert dangling_references(connection) == []
    recorded = merchant.get("/v1/billing_runs").json()["data"]
    # newest first; the last run found nothing due and is not recorded
    assert [r["state"] for r in recorded] == ["finished", "running"]


def test_the_cli_run_killed_with_sigkill_and_run_again(
    merchant: Merchant, engine: Engine, database_url: str
) -> None:
    contract_ids = _contracts(merchant)
    env = {**os.environ, "TURNUS_DATABASE_URL": database_url}
    command = [
        sys.executable,
        "-m",
        "turnus.cli",
        "bill",
        "--tenant",
        merchant.tenant_id,
        "--batch-size",
        "1",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        billed = sum(_state(engine, merchant.tenant_id)[0].values())
        if billed >= 2 or process.poll() is not None:
            break
        time.sleep(0.01)
    workers = _children(process.pid)  # on PostgreSQL the run bills in worker processes
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while workers and time.monotonic() < deadline:
        workers = {pid for pid in workers if Path(f"/proc/{pid}").exists()}
        time.sleep(0.05)
    assert not workers, "the run's worker processes outlived it"
    partial = sum(_state(engine, merchant.tenant_id)[0].values())
    assert partial % 2 == 0  # whole batches only: a contract's items commit together
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    _check_complete(engine, merchant.tenant_id, contract_ids)


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def test_workers_by_default_are_one_per_cpu_up_to_the_batches() -> None:
    assert run.workers_for("sqlite", 100_000, 2000, cpus=2) == 2
    assert run.workers_for("sqlite", 100_000, 2000, cpus=8) == run.MAX_SQLITE_WORKERS
    assert run.workers_for("sqlite", 2000, 2000, cpus=8) == 1
    assert run.workers_for("postgresql", 100_000, 2000, cpus=2) == 2
    assert run.workers_for("postgresql", 100_000, 2000, cpus=64) == run.MAX_AUTO_WORKERS
    assert run.workers_for("postgresql", 2000, 2000, cpus=8) == 1  # one batch: no processes
    assert run.workers_for("postgresql", 2001, 2000, cpus=8) == 2
    assert run.workers_for("postgresql", 0, 2000, cpus=8) == 1


def test_a_run_in_two_processes_bills_everything_once_with_gapless_numbers(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    contract_ids = _contracts(merchant)
    result = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3, workers=2)
    assert result.invoices == CONTRACTS
    _check_complete(engine, merchant.tenant_id, contract_ids)
    again = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3, workers=2)
    assert again.items == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_in_a_worker_process_stops_the_run_and_writes_nothing(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, workers: int
) -> None:
    _contracts(merchant)
    with engine.begin() as connection:  # invoices cannot be issued without them (§ 14 UStG)
        connection.execute(
            tenants.update()
            .where(tenants.c.id == merchant.tenant_id)
            .values(tax_number=None, vat_id=None)
        )
    with pytest.raises(Conflict, match="tax number or VAT ID"):
        run.bill(engine, merchant.tenant_id, wall_clock, batch_size=5, workers=workers)
    assert _state(engine, merchant.tenant_id) == (Counter(), [])
    [record] = merchant.get("/v1/billing_runs").json()["data"]
    assert record["state"] == "failed" and record["finished_at"] is not None
    assert record["stats"]["invoices"] == 0
    assert record["stats"]["error"].startswith("Conflict: An invoice must show")


def _worker_processes() -> set[int]:
    """This process's children that a process pool spawned (not its resource tracker)."""
    found = set()
    for pid in _children(os.getpid()):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(pid)
        except OSError:  # ended meanwhile
            continue
    return found


@pytest.mark.parametrize("when", ["running", "starting"])
def test_a_worker_process_that_dies_stops_the_run_instead_of_hanging_and_a_rerun_finishes(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    contract_ids = _contracts(merchant)
    killed: list[int] = []

    def kill_a_worker(_: run.RunSummary) -> None:
        if not killed:
            killed.append(min(_worker_processes()))
            os.kill(killed[0], signal.SIGKILL)

    outcome: list[BaseException | run.RunSummary] = []

    def billing() -> None:
        try:
            outcome.append(
                run.bill(
                    engine,
                    merchant.tenant_id,
                    wall_clock,
                    batch_size=3,
                    workers=2,
                    on_batch=kill_a_worker if when == "running" else None,
                )
            )
        except BaseException as exc:
            outcome.append(exc)

    if when == "starting":  # processes that cannot start: their database is unreachable
        unreachable = create_engine("sqlite:////nonexistent/turnus.db")
        processes = run._processes
        monkeypatch.setattr(
            run, "_processes", lambda _, job, workers: processes(unreachable, job, workers)
        )
    thread = threading.Thread(target=billing, daemon=True)
    thread.start()
    thread.join(120)
    monkeypatch.undo()
    assert not thread.is_alive(), "the run waits for a batch its dead process never returns"
    [error] = outcome
    assert isinstance(error, run.BillingProcessLost), error
    per_contract, numbers = _state(engine, merchant.tenant_id)
    assert set(per_contract.values()) <= {2}  # whole batches only
    assert numbers == [f"RE-2026-{n:06d}" for n in range(1, len(numbers) + 1)]
    [record] = merchant.get("/v1/billing_runs").json()["data"]
    assert record["state"] == "failed" and "BillingProcessLost" in record["stats"]["error"]
    again = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=3, workers=2)
    assert again.invoices == CONTRACTS - len(numbers)
    _check_complete(engine, merchant.tenant_id, contract_ids)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_dry_run_in_processes_reports_what_one_process_would_and_writes_nothing(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock, workers: int
) -> None:
    _contracts(merchant)
    dry = run.bill(
        engine, merchant.tenant_id, wall_clock, batch_size=5, workers=workers, dry_run=True
    )
    assert dry.run_id is None and dry.invoices == CONTRACTS and len(dry.documents) == CONTRACTS
    assert sorted(d["customer_id"] for d in dry.documents) == sorted(
        {d["customer_id"] for d in dry.documents}
    )
    assert {len(d["items"]) for d in dry.documents} == {2}  # the setup fee and the first month
    assert _state(engine, merchant.tenant_id) == (Counter(), [])
    billed = run.bill(engine, merchant.tenant_id, wall_clock, batch_size=5, workers=workers)
    assert billed.totals == dry.totals and billed.items == dry.items


def test_sqlite_batches_computed_before_another_connection_committed_are_computed_again(
    merchant: Merchant,
    engine: Engine,
    wall_clock: FixedWallClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite computes batches apart from writing them")
    contract_ids = _contracts(merchant)
    with engine.connect() as connection:
        last = connection.execute(
            select(contracts.c.id)
            .where(contracts.c.tenant_id == merchant.tenant_id)
            .order_by(contracts.c.customer_id.desc(), contracts.c.id.desc())
            .limit(1)
        ).scalar_one()
    changed = []

    def after_first_batch(_: run.RunSummary) -> None:
        if not changed:  # another connection takes the last contract off the schedule
            with engine.begin() as connection:
                schedule = billing_schedule.c
                connection.execute(
                    billing_schedule.update()
                    .where(schedule.tenant_id == merchant.tenant_id, schedule.contract_id == last)
                    .values(next_billing_date=None)
                )
            changed.append(last)

    caplog.set_level(logging.INFO, logger="turnus.billing")
    result = run.bill(
        engine, merchant.tenant_id, wall_clock, batch_size=3, workers=2, on_batch=after_first_batch
    )
    assert "batch computed again under the write lock" in caplog.text
    assert result.invoices == CONTRACTS - 1
    per_contract, numbers = _state(engine, merchant.tenant_id)
    assert per_contract == Counter({cid: 2 for cid in contract_ids if cid != last})
    assert numbers == [f"RE-2026-{n:06d}" for n in range(1, CONTRACTS)]
