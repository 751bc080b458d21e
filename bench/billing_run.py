"""Benchmark of the billing run: N active monthly contracts, all due on the same day, billed by
``turnus.services.billing.run.bill`` (one transaction per batch).

    .venv/bin/python bench/billing_run.py --contracts 100000 --db postgresql
    .venv/bin/python bench/billing_run.py --contracts 100000 --db sqlite --batch-size 2000

Set-up (not timed, in this process): a fresh database, migrated; a sandbox tenant with a frozen
clock; a catalog made through the services (three monthly plans, a per-unit quantity
component, a 10 %-forever coupon); customers and contracts written with bulk inserts.
Billing (timed) runs in a separate process so its peak RSS is the billing run's own.
Afterwards: every contract must have exactly its expected items, every customer one invoice,
and a second run (also after resetting every contract's next billing date) must bill nothing.
Last, the physical limit: PostgreSQL's COPY of as many invoice and item rows, of the same
shapes, into fresh tables. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

from turnus.domain.catalog.model import (
    ContractTerms,
    Interval,
    IntervalUnit,
    Price,
    PricingModel,
)
from turnus.domain.clock import TenantMode
from turnus.domain.customer import Address, CustomerKind, CustomerProfile, TaxStatus
from turnus.domain.tenant import TenantProfile
from turnus.services import customers, tenants
from turnus.services.billing import run
from turnus.services.catalog import components, coupons, plans, products, variants
from turnus.services.catalog.codec import terms_doc, terms_of
from turnus.services.context import Actor, TenantContext
from turnus.services.mail import owed
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock
from turnus.store import copy_text, migrate
from turnus.store.billing_tables import invoice_items, invoices
from turnus.store.catalog_tables import coupons as coupon_table
from turnus.store.contract_tables import (
    billing_schedule,
    contract_items,
    contracts,
    coupon_redemptions,
)
from turnus.store.customer_tables import customers as customer_table
from turnus.store.database import create_database_engine
from turnus.store.document_tables import outbox_messages
from turnus.store.ids import new_id

ACTOR = Actor("cli", "bench")
# The tenant's frozen clock: 2026-03-02 in Europe/Berlin, the day every contract falls due.
MOMENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# per process: two benchmarks on one server must not drop each other's database
BENCH_DB = f"turnus_bench_{os.getpid()}"
COPY_DB = f"turnus_bench_copy_{os.getpid()}"
INSERT_CHUNK = 5000
MONTH = Interval(IntervalUnit.MONTH)
PLAN_PRICES = ("9.90", "19.90", "49.00")
SEAT_PRICE = "2.50"
VAT_ID = "FR40303265045"  # a valid French VAT ID (check digits)


def _mb(kilobytes: int) -> float:
    return kilobytes / 1024  # ru_maxrss is in KiB on Linux


# -- databases ---------------------------------------------------------------------------------


def _pg_url(base: str) -> str:
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base.split("://", 1)[1]
    return base


@contextlib.contextmanager
def fresh_postgres(base_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``name`` on the server of ``base_url`` (dropped and
    recreated when it exists; dropped afterwards)."""
    url = make_url(_pg_url(base_url))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def fresh_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="turnus-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'turnus.db'}"


@contextlib.contextmanager
def copies(engine: Engine, url: str, count: int) -> Iterator[list[str]]:
    """``count`` copies of the set-up database ``url`` (made before it is billed, so that every
    repetition bills the same data): SQLite files beside it, or PostgreSQL databases made from
    it as a template (dropped afterwards). ``engine`` is disposed (a template must be idle)."""
    if count == 0:
        yield []
        return
    database = make_url(url)
    if database.get_backend_name() == "sqlite":
        engine.dispose()
        source = Path(str(database.database))
        targets = [source.with_name(f"copy{index}.db") for index in range(count)]
        for target in targets:
            with (
                contextlib.closing(sqlite3.connect(source)) as reading,
                contextlib.closing(sqlite3.connect(target)) as writing,
            ):
                reading.backup(writing)  # a consistent copy, whatever the WAL holds
        yield [str(database.set(database=str(target))) for target in targets]
        return
    engine.dispose()
    names = [f"{database.database}_copy{index}" for index in range(count)]
    admin = create_engine(database.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            # PostgreSQL 15 logs a copied database page by page in the WAL, by default: the
            # copies' WAL would start checkpoints during the timed runs. Copied as files, the
            # runs' checkpoints are their own.
            version = connection.execute(text("SHOW server_version_num")).scalar_one()
            strategy = " STRATEGY FILE_COPY" if int(version) >= 150000 else ""
            for name in names:
                connection.execute(
                    text(f'CREATE DATABASE "{name}" TEMPLATE "{database.database}"{strategy}')
                )
        yield [database.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def checkpoint(engine: Engine) -> None:
    """PostgreSQL: a checkpoint before a timed run, so that every repetition starts as the first
    does (right after one: ``CREATE DATABASE`` takes one). Without it, the WAL of the previous
    repetition's run and verification (resetting and billing every contract again, queueing
    the mails) started a checkpoint in the middle of the next timed run, whose writing of all
    those pages then counted as billing. Needs the ``pg_checkpoint`` role (or a superuser);
    without it the runs go on without one, and a note says so."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("CHECKPOINT")
    except Exception as exc:
        print(f"no checkpoint before the run ({exc.__class__.__name__})", file=sys.stderr)


# -- set-up ------------------------------------------------------------------------------------


@dataclass
class Fixture:
    tenant_id: str
    day: date
    expected_items: dict[str, int] = field(default_factory=dict)  # per contract id
    customers: int = 0
    setup_seconds: float = 0.0


def _eur(amount: str, model: PricingModel = PricingModel.FLAT) -> Price:
    return Price("EUR", model, Decimal(amount))


def _catalog(ctx: TenantContext) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Three monthly plans, a per-unit seat component (add-on of each), a 10 %-forever
    coupon; through the services, as the API would create them."""
    product = products.create_product(
        ctx,
        {
            "name_de": "Team-Software",
            "name_en": "Team software",
            "description_de": None,
            "description_en": None,
            "kind": "digital",
            "tax_category": "standard",
            "sku": "BENCH-SAAS",
            "external_id": None,
        },
    )
    seats = components.create_component(
        ctx,
        {
            "product_id": product["id"],
            "name_de": "Nutzer",
            "name_en": "Seats",
            "charge_type": "recurring",
            "unit_name": "seat",
            "aggregation": None,
            "included_quantity": Decimal(0),
            "prorate": True,
            "self_service": True,
            "external_id": None,
        },
        [_eur(SEAT_PRICE, PricingModel.PER_UNIT)],
    )
    found = []
    for name, price in zip(("Basic", "Team", "Business"), PLAN_PRICES, strict=True):
        plan = plans.create_plan(
            ctx,
            {
                "product_id": product["id"],
                "name_de": name,
                "name_en": name,
                "description_de": None,
                "description_en": None,
                "billing_timing": "in_advance",
                "self_service": True,
                "change_timing": "immediate",
                "external_id": None,
            },
            addons=[seats["id"]],
        )
        variant = variants.create_variant(
            ctx,
            {
                "plan_id": plan["id"],
                "name_de": "monatlich",
                "name_en": "monthly",
                "self_service": True,
                "external_id": None,
            },
            ContractTerms(billing_interval=MONTH),
            [_eur(price)],
        )
        found.append({"plan": plan, "variant": variant})
    coupon = coupons.create_coupon(
        ctx,
        {
            "code": "BENCH10",
            "name": "10 % forever",
            "kind": "percent",
            "percent": Decimal(10),
            "duration": "forever",
        },
        [],
        {},
    )
    return found, seats, coupon


def _template_customers(ctx: TenantContext) -> list[dict[str, Any]]:
    """One customer per tax situation, made by the service (validated, VAT ID checked); the
    bulk customers are copies with their own ids, names and e-mail addresses."""
    profiles = [
        CustomerProfile(  # German consumer: domestic 19 %
            kind=CustomerKind.PERSON,
            email="de@example.com",
            billing_address=Address("Hauptstraße", "10115", "Berlin", "DE", "1"),
            tax_status=TaxStatus.CONSUMER,
            locale="de",
            first_name="Erika",
            last_name="Muster",
        ),
        CustomerProfile(  # French business with a VAT ID: reverse charge
            kind=CustomerKind.COMPANY,
            email="fr@example.com",
            billing_address=Address("Rue de Rivoli", "75001", "Paris", "FR", "1"),
            tax_status=TaxStatus.BUSINESS,
            locale="en",
            company_name="Exemple SARL",
            vat_id=VAT_ID,
        ),
        CustomerProfile(  # Austrian consumer: OSS at 20 %
            kind=CustomerKind.PERSON,
            email="at@example.com",
            billing_address=Address("Ringstraße", "1010", "Wien", "AT", "1"),
            tax_status=TaxStatus.CONSUMER,
            locale="de",
            first_name="Max",
            last_name="Muster",
        ),
    ]
    return [customers.create_customer(ctx, p, None, None) for p in profiles]


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), INSERT_CHUNK):
        yield rows[start : start + INSERT_CHUNK]


def set_up(engine: Engine, count: int, seed: int = 42) -> Fixture:
    started = time.perf_counter()
    wall_clock = FixedWallClock(MOMENT)
    with UnitOfWork(engine) as uow:
        tenant = tenants.create_tenant(
            uow,
            TenantProfile(
                company_name="Bench GmbH",
                street="Benchstraße",
                house_number="1",
                postcode="10115",
                city="Berlin",
                country="DE",
                vat_id="DE136695976",
                email="billing@bench.example",
                mode=TenantMode.SANDBOX,
            ),
            actor=ACTOR,
            wall_clock=wall_clock,
        )
        ctx = TenantContext(uow=uow, tenant_id=tenant["id"], actor=ACTOR, wall_clock=wall_clock)
        catalog, seats, coupon = _catalog(ctx)
        templates = _template_customers(ctx)
        day = ctx.today()
        now = ctx.now()
    fixture = Fixture(tenant_id=tenant["id"], day=day)
    rng = random.Random(seed)
    customer_rows: list[dict[str, Any]] = []
    contract_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    redemption_rows: list[dict[str, Any]] = []
    schedule_rows: list[dict[str, Any]] = []
    number = 0
    while len(contract_rows) < count:
        template = templates[number % len(templates)]
        customer = {
            **template,
            "id": new_id("cus"),
            "email": f"customer{number}@example.com",
            "external_id": None,
        }
        if customer["company_name"]:
            customer["company_name"] = f"Exemple {number} SARL"
        else:
            customer["last_name"] = f"Muster {number}"
        customer_rows.append(customer)
        # every tenth customer holds two contracts (one invoice for both: consolidation)
        for extra in range(2 if number % 10 == 0 else 1):
            if len(contract_rows) == count:
                break
            entry = catalog[(len(contract_rows) + extra) % len(catalog)]
            plan, variant = entry["plan"], entry["variant"]
            contract_id = new_id("con")
            schedule_rows.append(
                {
                    "tenant_id": fixture.tenant_id,
                    "contract_id": contract_id,
                    "customer_id": customer["id"],
                    "next_billing_date": day,
                }
            )
            contract_rows.append(
                {
                    "tenant_id": fixture.tenant_id,
                    "id": contract_id,
                    "customer_id": customer["id"],
                    "plan_id": plan["id"],
                    "variant_id": variant["id"],
                    "currency": "EUR",
                    "concluded_on": day,
                    "start_date": day,
                    "trial_end": None,
                    "billing_anchor": day,
                    "billing_timing": plan["billing_timing"],
                    "term_start": None,
                    "terms": terms_doc(terms_of(variant)),
                    "trial": None,
                    "intro": plan["intro"],
                    "pauses": [],
                    "skips": [],
                    "cancellation": None,
                    "suspended_on": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            item = {
                "tenant_id": fixture.tenant_id,
                "contract_id": contract_id,
                "valid_from": day,
                "valid_until": None,
                "created_at": now,
            }
            item_rows.append(
                {
                    **item,
                    "id": new_id("itm"),
                    "item_type": "plan_variant",
                    "ref_id": variant["id"],
                    "quantity": Decimal(1),
                }
            )
            charges = 1
            if rng.random() < 0.2:  # a quantity component (1 to 10 seats)
                item_rows.append(
                    {
                        **item,
                        "id": new_id("itm"),
                        "item_type": "component",
                        "ref_id": seats["id"],
                        "quantity": Decimal(rng.randint(1, 10)),
                    }
                )
                charges += 1
            expected = charges
            if rng.random() < 0.1:  # the coupon: one discount line per charge line
                redemption_rows.append(
                    {
                        "tenant_id": fixture.tenant_id,
                        "id": new_id("red"),
                        "coupon_id": coupon["id"],
                        "customer_id": customer["id"],
                        "contract_id": contract_id,
                        "redeemed_at": now,
                    }
                )
                expected += charges
            fixture.expected_items[contract_id] = expected
        number += 1
    fixture.customers = len(customer_rows)
    with engine.begin() as connection:
        for table, rows in (
            (customer_table, customer_rows),
            (contracts, contract_rows),
            (billing_schedule, schedule_rows),
            (contract_items, item_rows),
            (coupon_redemptions, redemption_rows),
        ):
            for chunk in _chunks(rows):
                connection.execute(insert(table), chunk)
        connection.execute(
            update(coupon_table)
            .where(coupon_table.c.id == coupon["id"])
            .values(redemptions=len(redemption_rows))
        )
    # PostgreSQL: VACUUM too, so that the run finds the tables as a merchant's would be (not
    # bulk-loaded a moment ago): visibility map set, nothing due for autovacuum, which on a
    # server that runs it would otherwise visit the freshly loaded tables during the run
    maintenance = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(maintenance)
    fixture.setup_seconds = time.perf_counter() - started
    return fixture


# -- the timed run (child process) -------------------------------------------------------------


def bill_child() -> None:
    """The billing process: started before the set-up (a child inherits its parent's peak RSS
    at fork), it waits for one JSON line naming the database and tenant, bills, and prints one
    JSON line with timings and memory."""
    job = json.loads(sys.stdin.readline())
    url, tenant_id, batch_size, profile = (
        job["url"],
        job["tenant_id"],
        job["batch_size"],
        job["profile"],
    )
    engine = create_database_engine(url)
    with engine.connect():
        pass  # open the pool's first connection outside the timed part
    rss_before = _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    profiler = cProfile.Profile() if profile else None
    cpu_before = _cpu_with_children()
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    summary = run.bill(
        engine,
        tenant_id,
        FixedWallClock(MOMENT),
        batch_size=batch_size,
        workers=job.get("workers"),
    )
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_with_children() - cpu_before
    # with worker processes, the largest of them counts too (each is a process of its own)
    rss_peak = _mb(
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
    )
    if profiler is not None and profile:
        profiler.dump_stats(profile)
    engine.dispose()
    result = {
        "contracts": summary.contracts,
        "invoices": summary.invoices,
        "items": summary.items,
        "totals": summary.totals,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_peak,
    }
    print(json.dumps(result))


def start_child() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its ended children (a run's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bill_in_child(
    child: subprocess.Popen[str],
    url: str,
    tenant_id: str,
    batch_size: int,
    profile: str | None,
    workers: int | None = None,
) -> dict[str, Any]:
    job = {
        "url": url,
        "tenant_id": tenant_id,
        "batch_size": batch_size,
        "profile": profile,
        "workers": workers,
    }
    with _TotalMemory(child.pid) as memory:
        out, err = child.communicate(json.dumps(job) + "\n")
    if err.strip():
        print(err, file=sys.stderr)
    if child.returncode != 0:
        raise SystemExit(f"the billing process failed ({child.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["rss_total_mb"] = memory.peak_mb
    return result


class _TotalMemory:
    """The peak of the summed RSS of a process and its descendants (a run's worker
    processes), sampled from /proc every ``interval`` seconds by a thread of this process,
    which waits for the billing process meanwhile."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _TotalMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        page_mb = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
        while not self._stop.wait(self.interval):
            pages = 0
            for pid in _tree(self.pid):
                with contextlib.suppress(OSError):
                    pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            self.peak_mb = max(self.peak_mb, pages * page_mb)


def _tree(root: int) -> set[int]:
    """``root`` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


# -- verification ------------------------------------------------------------------------------


def verify(
    engine: Engine, fixture: Fixture, result: dict[str, Any], batch_size: int
) -> dict[str, float]:
    """Every contract got exactly its expected items, every customer one invoice and its mail
    owed; the mail worker's queueing makes one outbox message of each (timed); a second run
    bills nothing, also when every contract is due again (timed)."""
    problems: list[str] = []
    c = invoice_items.c
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                select(c.contract_id, func.count())
                .where(c.tenant_id == fixture.tenant_id)
                .group_by(c.contract_id)
            ).all()
        )
        invoice_count = connection.execute(
            select(func.count())
            .select_from(invoices)
            .where(invoices.c.tenant_id == fixture.tenant_id)
        ).scalar_one()
        states = Counter(
            dict(
                connection.execute(
                    select(invoices.c.state, func.count())
                    .where(invoices.c.tenant_id == fixture.tenant_id)
                    .group_by(invoices.c.state)
                ).all()
            )
        )
    wrong = [
        contract_id
        for contract_id, expected in fixture.expected_items.items()
        if found.get(contract_id, 0) != expected
    ]
    if wrong:
        problems.append(f"{len(wrong)} contract(s) with unexpected item counts, e.g. {wrong[:3]}")
    if set(found) - set(fixture.expected_items):
        problems.append("items of unknown contracts")
    expected_items = sum(fixture.expected_items.values())
    if result["items"] != expected_items:
        problems.append(f"the run reports {result['items']} items, expected {expected_items}")
    if invoice_count != fixture.customers or result["invoices"] != fixture.customers:
        problems.append(
            f"{invoice_count} invoices stored, {result['invoices']} reported, "
            f"expected {fixture.customers} (one per customer)"
        )
    if states.get("draft"):
        problems.append(f"{states['draft']} invoices left as drafts")
    wall_clock = FixedWallClock(MOMENT)
    started = time.perf_counter()
    queued = owed.queue_all(engine, wall_clock)
    queue_seconds = time.perf_counter() - started
    with engine.connect() as connection:
        messages = connection.execute(
            select(func.count())
            .select_from(outbox_messages)
            .where(outbox_messages.c.tenant_id == fixture.tenant_id)
        ).scalar_one()
    if queued != invoice_count or messages != invoice_count:
        problems.append(
            f"{queued} owed mails queued as {messages} messages, expected {invoice_count}"
        )
    again = run.bill(engine, fixture.tenant_id, wall_clock, batch_size=batch_size)
    if again.invoices or again.items or again.contracts:
        problems.append(f"a second run billed {again.items} items on {again.invoices} invoices")
    with engine.begin() as connection:
        connection.execute(
            update(billing_schedule)
            .where(billing_schedule.c.tenant_id == fixture.tenant_id)
            .values(next_billing_date=fixture.day)
        )
    started = time.perf_counter()
    rerun = run.bill(engine, fixture.tenant_id, wall_clock, batch_size=batch_size)
    rerun_seconds = time.perf_counter() - started
    if rerun.contracts != len(fixture.expected_items) or rerun.invoices or rerun.items:
        problems.append(
            f"re-running every contract looked at {rerun.contracts} and billed "
            f"{rerun.items} items on {rerun.invoices} invoices"
        )
    if problems:
        raise SystemExit("VERIFICATION FAILED:\n  " + "\n  ".join(problems))
    return {"rerun_seconds": rerun_seconds, "queue_seconds": queue_seconds}


# -- the physical limit: COPY --------------------------------------------------------------------


def _samples(engine: Engine, tenant_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with engine.connect() as connection:
        inv = [
            dict(r)
            for r in connection.execute(
                select(invoices).where(invoices.c.tenant_id == tenant_id).limit(1000)
            ).mappings()
        ]
        items = [
            dict(r)
            for r in connection.execute(
                select(invoice_items).where(invoice_items.c.tenant_id == tenant_id).limit(1000)
            ).mappings()
        ]
    return inv, items


def _copy_rows(
    samples: list[dict[str, Any]], columns: Sequence[str], count: int, unique: dict[str, str]
) -> list[tuple[Any, ...]]:
    """``count`` rows cycling through the sample rows, with unique values where the table's
    keys need them (``unique``: column -> prefix); JSON documents serialized up front."""
    prepared = []
    for sample in samples:
        prepared.append(
            {
                name: json.dumps(value, default=str) if isinstance(value, dict | list) else value
                for name, value in sample.items()
            }
        )
    rows = []
    for index in range(count):
        values = prepared[index % len(prepared)]
        rows.append(
            tuple(
                f"{unique[name]}{index:026d}" if name in unique else values[name]
                for name in columns
            )
        )
    return rows


def copy_limit(
    pg_url: str, engine: Engine, tenant_id: str, invoice_count: int, item_count: int
) -> dict[str, float]:
    """Seconds PostgreSQL's COPY needs to write ``invoice_count`` invoice rows and
    ``item_count`` item rows (cycled from the run's own rows, with unique keys) into fresh
    tables shaped like ``invoices`` and ``invoice_items`` (LIKE ... INCLUDING ALL: the same
    columns, primary key, unique constraints and indexes; no foreign keys). The rows are
    turned into COPY data before the clock starts (``store.copy_text``, as the run writes its
    rows), so only the server's writing and the transfer are timed."""
    import psycopg

    inv_samples, item_samples = _samples(engine, tenant_id)
    if not inv_samples or not item_samples:
        return {}
    inv_columns = [c.name for c in invoices.columns]
    item_columns = [c.name for c in invoice_items.columns]
    inv_rows = _copy_rows(inv_samples, inv_columns, invoice_count, {"id": "inv_", "number": "N"})
    item_rows = _copy_rows(
        item_samples,
        item_columns,
        item_count,
        {"id": "ili_", "invoice_id": "inv_", "contract_id": "con_"},
    )
    with fresh_postgres(pg_url, COPY_DB) as url:
        copy_engine = create_database_engine(url)
        migrate.upgrade(copy_engine)
        copy_engine.dispose()
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as connection:
            for table in ("invoices", "invoice_items"):
                connection.execute(f"CREATE TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
            connection.commit()
            prepared = [
                (table, columns, rows, copy_text.encoded(list(zip(*rows, strict=True))))
                for table, columns, rows in (
                    ("copy_invoices", inv_columns, inv_rows),
                    ("copy_invoice_items", item_columns, item_rows),
                )
            ]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for table, columns, rows, data in prepared:
                    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    with cursor.copy(statement) as copy:
                        if data is not None:
                            copy.write(data)
                        else:  # a value without a text form there: psycopg formats it
                            for row in rows:
                                copy.write_row(row)
            connection.commit()
            seconds = time.perf_counter() - started
    return {"copy_seconds": seconds}


# -- main --------------------------------------------------------------------------------------


def _workers_shown(args: argparse.Namespace) -> str:
    if args.workers is not None:
        return str(args.workers)
    dialect = "postgresql" if args.db == "postgresql" else "sqlite"
    return f"auto ({run.workers_for(dialect, args.contracts, args.batch_size)}, as turnus bill)"


def _report(
    args: argparse.Namespace,
    fixture: Fixture,
    result: dict[str, Any],
    copy: dict[str, float],
    repeats: Sequence[dict[str, Any]],
) -> None:
    seconds = result["seconds"]
    lines = [
        f"database            {args.db}",
        f"batch size          {args.batch_size}",
        f"workers             {_workers_shown(args)}",
        f"set-up (not timed)  {fixture.setup_seconds:.1f} s",
        f"contracts           {result['contracts']}",
        f"customers           {fixture.customers}",
        f"invoices            {result['invoices']}",
        f"items               {result['items']}",
        f"seconds             {seconds:.2f}",
        f"contracts/s         {result['contracts'] / seconds:,.0f}",
        f"CPU of the run      {result['cpu_seconds']:.2f} s (the billing processes; without the"
        " database server's)",
        f"peak RSS            {result['rss_total_mb']:.0f} MB, all processes together "
        f"(largest process {result['rss_peak_mb']:.0f} MB; before billing "
        f"{result['rss_before_mb']:.0f} MB)",
        f"re-run, all due     {result['rerun_seconds']:.2f} s, billed nothing (verified)",
        f"mails queued        {result['invoices']} owed mails in {result['queue_seconds']:.2f} s"
        " after the run (the mail worker's work, one process; verified)",
    ]
    if len(repeats) > 1:
        ordered = sorted(r["seconds"] for r in repeats)
        lines.append(
            f"repetitions         {len(ordered)}: "
            + ", ".join(f"{r['seconds']:.2f}" for r in repeats)
            + f" s; median {statistics.median(ordered):.2f} s, "
            f"{result['contracts'] / statistics.median(ordered):,.0f} contracts/s "
            "(the lines above: the first)"
        )
    if copy:
        ratio = seconds / copy["copy_seconds"]
        lines += [
            f"COPY same rows      {copy['copy_seconds']:.2f} s (PostgreSQL, physical limit)",
            f"run / COPY          {ratio:.1f}x",
        ]
    else:
        lines.append("COPY                skipped (no PostgreSQL server)")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--batch-size", type=int, default=run.DEFAULT_BATCH)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("TURNUS_BENCH_DATABASE_URL", DEFAULT_PG_URL),
        help="a PostgreSQL server to create the benchmark databases on "
        "(env TURNUS_BENCH_DATABASE_URL)",
    )
    parser.add_argument("--profile", help="write cProfile stats of the billing run to this file")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="billing processes (run.bill workers=N); default: chosen as by turnus bill",
    )
    parser.add_argument("--no-copy", action="store_true", help="skip the COPY comparison")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="bill N copies of the same set-up, one after the other, and print each time and "
        "the median (the machine's speed varies)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile and args.workers is None:
        args.workers = 1  # the profile covers this process only
    if args.child:
        bill_child()
        return
    if args.repeat < 1:
        parser.error("--repeat: must be at least 1")
    children = [start_child() for _ in range(args.repeat)]  # each bills one repetition
    database = fresh_postgres(args.pg_url, BENCH_DB) if args.db == "postgresql" else fresh_sqlite()
    with database as url:
        engine = create_database_engine(url)
        migrate.upgrade(engine)
        fixture = set_up(engine, args.contracts)
        with copies(engine, url, args.repeat - 1) as copy_urls:
            repeats = []
            for index, (child, billed_url) in enumerate(
                zip(children, [url, *copy_urls], strict=True)
            ):
                billed = create_database_engine(billed_url)
                checkpoint(billed)
                result = bill_in_child(
                    child,
                    billed_url,
                    fixture.tenant_id,
                    args.batch_size,
                    args.profile if index == 0 else None,
                    args.workers,
                )
                result.update(verify(billed, fixture, result, args.batch_size))
                billed.dispose()
                repeats.append(result)
        engine.dispose()
        engine = create_database_engine(url)
        result = repeats[0]
        copy: dict[str, float] = {}
        if not args.no_copy:
            try:
                copy = copy_limit(
                    args.pg_url, engine, fixture.tenant_id, result["invoices"], result["items"]
                )
            except Exception as exc:  # the comparison is optional
                print(f"COPY comparison failed: {exc}", file=sys.stderr)
        engine.dispose()
    _report(args, fixture, result, copy, repeats)


if __name__ == "__main__":
    main()
