"""How a billing run's time grows with the age of the contracts it bills: billing_run.py's
set-up (N active monthly contracts, all due on 2 March 2026), billed once a month for M months
on the sandbox clock, each run timed.

    .venv/bin/python bench/billing_history.py --contracts 2000 --months 24
    .venv/bin/python bench/billing_history.py --contracts 2000 --months 12 --db postgresql

A run computes and reconciles only the periods after each contract's settlement (see
``turnus.domain.billing.settlement``), so its work per contract should not grow with the periods
behind it; this shows whether it does. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta
from sqlalchemy import update

from billing_run import MOMENT, fresh_postgres, fresh_sqlite, set_up
from turnus.services.billing import run
from turnus.services.wall_clock import FixedWallClock
from turnus.store import migrate
from turnus.store.database import create_database_engine
from turnus.store.tables import tenants


@contextlib.contextmanager
def database(kind: str, pg_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with fresh_sqlite() as url:
            yield url
    else:
        with fresh_postgres(pg_url, f"turnus_bench_history_{os.getpid()}") as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "TURNUS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    with database(args.db, args.pg_url) as url:
        engine = create_database_engine(url)
        migrate.upgrade(engine)
        fixture = set_up(engine, args.contracts)
        print(f"{'month':>5}  {'seconds':>8}  {'contracts/s':>11}  invoices")
        first = None
        for month in range(args.months + 1):
            moment = MOMENT + relativedelta(months=month)
            with engine.begin() as connection:  # the sandbox clock, moved on a month
                connection.execute(
                    update(tenants)
                    .where(tenants.c.id == fixture.tenant_id)
                    .values(clock_frozen_at=moment)
                )
            started = time.perf_counter()
            summary = run.bill(engine, fixture.tenant_id, FixedWallClock(moment), workers=1)
            seconds = time.perf_counter() - started
            first = first or seconds
            print(
                f"{month:>5}  {seconds:>8.2f}  {summary.contracts / seconds:>11,.0f}  "
                f"{summary.invoices}  ({seconds / first:.1f}x the first)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
