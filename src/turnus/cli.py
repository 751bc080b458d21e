"""The ``turnus`` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from turnus.config import ConfigError, Settings, get_settings
from turnus.domain.clock import TenantMode
from turnus.domain.errors import TurnusError
from turnus.domain.pagination import PageRequest
from turnus.domain.tenant import TenantProfile
from turnus.services import api_keys, clock, demo, tenants
from turnus.services.context import Actor, TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import SystemWallClock
from turnus.store import integrity, migrate
from turnus.store.database import create_database_engine

app = typer.Typer(
    help="Turnus: subscription billing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenant_app = typer.Typer(help="Merchants (tenants).", no_args_is_help=True)
key_app = typer.Typer(help="API keys of a merchant.", no_args_is_help=True)
clock_app = typer.Typer(help="Tenant clocks (sandbox time travel).", no_args_is_help=True)
demo_app = typer.Typer(help="The demo merchant.", no_args_is_help=True)
mail_app = typer.Typer(help="Outgoing mail (the outbox).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="api-key")
app.add_typer(clock_app, name="clock")
app.add_typer(demo_app, name="demo")
app.add_typer(mail_app, name="mail")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
CLI_ACTOR = Actor("cli", "turnus-cli")
T = TypeVar("T")


def fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(2)


def settings() -> Settings:
    try:
        return get_settings()
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    engine = create_database_engine(settings().database_url)
    try:
        if not migrate.is_current(engine):
            fail("the database schema is not current; run 'turnus db upgrade' first")
        with UnitOfWork(engine) as uow:
            yield uow
    finally:
        engine.dispose()


def run(action: Callable[[], T]) -> T:
    """Run a use case; expected errors become one line and exit code 2, never a traceback."""
    try:
        return action()
    except TurnusError as exc:
        reasons = "; ".join(f"{e.pointer.lstrip('/') or 'input'}: {e.reason}" for e in exc.errors)
        fail(reasons or exc.detail)
        raise
    except typer.Exit:
        raise
    except Exception as exc:
        fail(f"{type(exc).__name__}: {exc}")
        raise


def tenant_context(uow: UnitOfWork, tenant_id: str) -> TenantContext:
    tenants.get_tenant(uow, tenant_id)
    return TenantContext(
        uow=uow, tenant_id=tenant_id, actor=CLI_ACTOR, wall_clock=SystemWallClock()
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default TURNUS_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default TURNUS_PORT)")] = None,
) -> None:
    """Serve the API (and, later, the web UI)."""
    import uvicorn

    from turnus.api.app import create_app
    from turnus.logging_setup import configure_logging

    config = settings()
    configure_logging(config.log_level)
    uvicorn.run(
        create_app(config),
        host=host or config.host,
        port=port or config.port,
        log_config=None,
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the database on first use)."""

    def action() -> str | None:
        engine = create_database_engine(settings().database_url)
        try:
            migrate.upgrade(engine)
            return migrate.current_revision(engine)
        finally:
            engine.dispose()

    revision = run(action)
    out.print(f"database at revision {revision}")


@db_app.command("check")
def db_check() -> None:
    """Find rows whose referenced row is missing where the database does not enforce it
    (invoices and their items); exit code 1 if there are any."""

    def action() -> list[integrity.Dangling]:
        engine = create_database_engine(settings().database_url)
        try:
            with engine.connect() as connection:
                return integrity.dangling_references(connection)
        finally:
            engine.dispose()

    problems = run(action)
    if not problems:
        out.print("all references whole")
        return
    for problem in problems:
        examples = ", ".join(f"{tenant}/{row}" for tenant, row in problem.examples)
        err.print(
            f"{problem.count} rows of {problem.reference} point nowhere (e.g. {examples})",
            highlight=False,
        )
    raise typer.Exit(1)


@tenant_app.command("create")
def tenant_create(
    company_name: Annotated[str, typer.Option(help="Legal company name")],
    street: Annotated[str, typer.Option()],
    postcode: Annotated[str, typer.Option()],
    city: Annotated[str, typer.Option()],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2, e.g. DE")],
    house_number: Annotated[str | None, typer.Option()] = None,
    vat_id: Annotated[str | None, typer.Option(help="USt-IdNr., e.g. DE136695976")] = None,
    tax_number: Annotated[str | None, typer.Option(help="Steuernummer")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    timezone: Annotated[str, typer.Option()] = "Europe/Berlin",
    currency: Annotated[str, typer.Option(help="Default ISO 4217 currency")] = "EUR",
    locale: Annotated[str, typer.Option(help="de or en")] = "de",
    sandbox: Annotated[bool, typer.Option(help="A sandbox tenant whose clock can travel")] = False,
) -> None:
    """Create a merchant and its first API key."""
    profile = TenantProfile(
        company_name=company_name,
        street=street,
        postcode=postcode,
        city=city,
        country=country,
        house_number=house_number,
        vat_id=vat_id,
        tax_number=tax_number,
        email=email,
        timezone=timezone,
        default_currency=currency,
        default_locale=locale,
        mode=TenantMode.SANDBOX if sandbox else TenantMode.LIVE,
    )

    def action() -> tuple[dict[str, Any], str]:
        with unit_of_work() as uow:
            row = tenants.create_tenant(uow, profile, actor=CLI_ACTOR, wall_clock=SystemWallClock())
            _, secret = api_keys.create_key(tenant_context(uow, row["id"]), "initial key")
            return row, secret

    row, secret = run(action)
    out.print(f"tenant  {row['id']}  ({row['mode']})")
    out.print(f"api key {secret}   (shown once; store it safely)")


@key_app.command("create")
def key_create(
    tenant: Annotated[str, typer.Option(help="Tenant id (ten_…)")],
    name: Annotated[str, typer.Option(help="What the key is for")],
) -> None:
    """Create an API key; the secret is printed once."""

    def action() -> tuple[dict[str, Any], str]:
        with unit_of_work() as uow:
            return api_keys.create_key(tenant_context(uow, tenant), name)

    row, secret = run(action)
    out.print(f"{row['id']}  {secret}   (shown once; store it safely)")


@key_app.command("list")
def key_list(tenant: Annotated[str, typer.Option(help="Tenant id (ten_…)")]) -> None:
    """List a merchant's API keys (prefix only)."""

    def action() -> list[dict[str, Any]]:
        with unit_of_work() as uow:
            ctx = tenant_context(uow, tenant)
            rows: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                page = api_keys.list_keys(ctx, PageRequest(limit=100, starting_after=cursor))
                rows.extend(page.data)
                if not page.has_more:
                    return rows
                cursor = page.data[-1]["id"]

    for row in run(action):
        revoked = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        out.print(
            f"{row['id']}  {row['prefix']}…  {row['mode']:<7}  "
            f"created {row['created_at']:%Y-%m-%d %H:%M}  {revoked}  {row['name']}",
            highlight=False,
        )


@key_app.command("revoke")
def key_revoke(
    tenant: Annotated[str, typer.Option(help="Tenant id (ten_…)")],
    key: Annotated[str, typer.Option(help="API key id (key_…)")],
) -> None:
    """Revoke an API key; requests with it are refused from now on."""

    def action() -> dict[str, Any]:
        with unit_of_work() as uow:
            return api_keys.revoke_key(tenant_context(uow, tenant), key)

    row = run(action)
    out.print(f"revoked {row['id']}")


def _parse_timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--to: '{value}' is not an ISO 8601 timestamp (e.g. 2027-01-01T00:00:00+01:00)")
        raise
    if moment.tzinfo is None:
        fail("--to: the timestamp needs a UTC offset, e.g. 2027-01-01T00:00:00+01:00")
    return moment


@clock_app.command("advance")
def clock_advance(
    tenant: Annotated[str, typer.Option(help="Sandbox tenant id (ten_…)")],
    to: Annotated[str, typer.Option(help="ISO 8601 timestamp with offset")],
) -> None:
    """Advance a sandbox tenant's clock and run everything that falls due."""
    target = _parse_timestamp(to)

    def action() -> clock.Advance:
        with unit_of_work() as uow:
            return clock.advance(tenant_context(uow, tenant), target)

    result = run(action)
    out.print(
        f"clock {result.previous.isoformat()} -> {result.now.isoformat()}, "
        f"{len(result.tasks)} task(s) ran"
    )
    for task in result.tasks:
        out.print(
            f"  {task.due_at.isoformat()}  {task.kind}  {task.state}"
            + (f"  {task.error}" if task.error else "")
        )


@app.command()
def bill(
    tenant: Annotated[str, typer.Option(help="Tenant id (ten_…)")],
    until: Annotated[
        str | None, typer.Option(help="Bill what is due up to this day (YYYY-MM-DD); default today")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Report what would be invoiced; write nothing")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Contracts per transaction")] = 2000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Billing processes (PostgreSQL: batches run side by side; SQLite: they "
            "compute batches that this process writes); default: one per CPU when several "
            "batches are due (at most 2 on SQLite), else one"
        ),
    ] = None,
) -> None:
    """Bill everything due: one transaction per batch of contracts; safe to re-run or resume
    after a crash (nothing is billed twice)."""
    from datetime import date as date_type

    from turnus.domain.money import to_major_units
    from turnus.services.billing.run import bill as billing_run

    day: date_type | None = None
    if until is not None:
        try:
            day = date_type.fromisoformat(until)
        except ValueError:
            fail(f"until: '{until}' is not a date (YYYY-MM-DD)")
    if batch_size < 1:
        fail("batch-size: must be at least 1")
    if workers is not None and not 1 <= workers <= 32:
        fail("workers: must be from 1 to 32")

    def action() -> Any:
        engine = create_database_engine(settings().database_url)
        try:
            if not migrate.is_current(engine):
                fail("the database schema is not current; run 'turnus db upgrade' first")
            with UnitOfWork(engine) as uow:
                tenants.get_tenant(uow, tenant)
            return billing_run(
                engine,
                tenant,
                SystemWallClock(),
                day,
                dry_run=dry_run,
                batch_size=batch_size,
                actor=CLI_ACTOR,
                workers=workers,
            )
        finally:
            engine.dispose()

    result = run(action)
    what = "would bill" if result.dry_run else "billed"
    totals = ", ".join(
        f"{amount / 100:.2f} {currency}" for currency, amount in result.totals.items()
    )
    out.print(
        f"{what} up to {result.until.isoformat()}: {result.contracts} contract(s) looked at, "
        f"{result.invoices} invoice(s), {result.items} item(s)"
        + (f", gross {totals}" if totals else ""),
        highlight=False,
    )
    for document in result.documents:
        currency = document["currency"]
        gross = to_major_units(document["gross_total"], currency)
        out.print(
            f"  {document['customer_id']}  {gross} {currency}  {len(document['items'])} item(s)",
            highlight=False,
        )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run one pass and exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes")] = 30.0,
) -> None:
    """Run due work (billing runs, renewals, trial ends, deliveries, ...) for live tenants in
    real time, queue the mails billing runs owe, render the PDFs of newly issued invoices into
    the archive, and, with TURNUS_SMTP_HOST set, send the due mails of the outbox after every
    pass."""
    import time

    from turnus.services.documents.render import render_pending
    from turnus.services.mail.owed import queue_all
    from turnus.services.mail.sender import deliver_due
    from turnus.services.worker import run_live_tenants

    engine = create_database_engine(settings().database_url)
    try:
        while True:
            result = run(lambda: run_live_tenants(engine, SystemWallClock()))
            out.print(
                f"worker pass: {result.tenants} tenant(s), {result.tasks} task(s), "
                f"{result.failed} failed",
                highlight=False,
            )
            queued = run(lambda: queue_all(engine, SystemWallClock()))
            if queued:
                out.print(f"mail: {queued} owed mail(s) queued", highlight=False)
            rendered = run(lambda: render_pending(engine, CLI_ACTOR, SystemWallClock()))
            if rendered:
                out.print(f"documents: {rendered} PDF(s) rendered and archived", highlight=False)
            if settings().smtp_configured:
                _print_mail_pass(run(lambda: deliver_due(engine, settings(), SystemWallClock())))
            if once:
                return
            time.sleep(interval)
    finally:
        engine.dispose()


def _print_mail_pass(result: Any) -> None:
    out.print(
        f"mail: {result.sent} sent, {result.deferred} to retry later, {result.failed} failed",
        highlight=False,
    )
    for error in result.errors:
        out.print(f"  {error}", highlight=False)


@mail_app.command("queue")
def mail_queue(
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's mails (ten_…); default: all")
    ] = None,
) -> None:
    """Queue the mails billing runs owe as outbox messages (the worker does this after every
    pass; no SMTP server needed)."""
    from turnus.services.mail.owed import queue_all

    def action() -> int:
        engine = create_database_engine(settings().database_url)
        try:
            if not migrate.is_current(engine):
                fail("the database schema is not current; run 'turnus db upgrade' first")
            return queue_all(
                engine, SystemWallClock(), tenant_ids=None if tenant is None else [tenant]
            )
        finally:
            engine.dispose()

    out.print(f"mail: {run(action)} owed mail(s) queued", highlight=False)


@mail_app.command("send")
def mail_send(
    limit: Annotated[int, typer.Option(help="Send at most this many mails")] = 100,
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's mails (ten_…); default: all")
    ] = None,
) -> None:
    """Queue the owed mails and send the due mails of the outbox once (the worker does this
    after every pass)."""
    from turnus.services.mail.sender import deliver_due

    config = settings()
    if not config.smtp_configured:
        fail("TURNUS_SMTP_HOST is not set: nothing is sent, the mails stay pending")
    if limit < 1:
        fail("limit: must be at least 1")

    def action() -> Any:
        engine = create_database_engine(config.database_url)
        try:
            if not migrate.is_current(engine):
                fail("the database schema is not current; run 'turnus db upgrade' first")
            return deliver_due(
                engine,
                config,
                SystemWallClock(),
                limit=limit,
                tenant_ids=None if tenant is None else [tenant],
            )
        finally:
            engine.dispose()

    _print_mail_pass(run(action))


@demo_app.command("seed")
def demo_seed(
    key_file: Annotated[Path, typer.Option(help="Where the demo key is kept")] = Path(
        ".turnus/demo-api-key"
    ),
) -> None:
    """Create the demo merchant once and print its API key and the URLs."""

    def action() -> demo.DemoMerchant:
        with unit_of_work() as uow:
            return demo.seed_demo(uow, SystemWallClock(), key_file)

    merchant = run(action)
    config = settings()
    base = f"http://{config.host}:{config.port}"
    state = "created" if merchant.created else "already present"
    out.print(f"demo merchant {merchant.tenant_id} ({state})", highlight=False)
    out.print(f"demo API key  {merchant.api_key}", highlight=False)
    out.print(
        f"API           {base}/v1  (try: curl -H 'Authorization: Bearer "
        f"{merchant.api_key}' {base}/v1/tenant)",
        highlight=False,
    )
    out.print(f"API docs      {base}/docs", highlight=False)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"error: {exc}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
