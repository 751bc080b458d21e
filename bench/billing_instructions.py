"""Instructions per contract of the billing run, counted by valgrind's callgrind: a figure that
stays the same from run to run, where the billing run's seconds vary by a third on a shared
machine. For comparing two versions of the code, not for the targets (those are seconds:
bench/billing_run.py).

    .venv/bin/python bench/billing_instructions.py                 # 2,000 contracts, SQLite
    .venv/bin/python bench/billing_instructions.py --contracts 4000 --batch-size 500

The set-up is billing_run.py's (a fresh SQLite file, the same catalog, customers and
contracts). Then two processes under callgrind, each with the same hash seed: one bills the
contracts in one process (``run.bill(..., workers=1)``), the other calls the billing run for
the day before, when nothing is due (the same imports and connection, no batch). The
difference of their instruction counts, divided by the contracts, is printed. Instructions of
the SQLite library count; those of the kernel do not. A run takes about a minute per 1,000
contracts. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from billing_run import MOMENT, set_up
from turnus.services.billing import run
from turnus.services.wall_clock import FixedWallClock
from turnus.store import migrate
from turnus.store.database import create_database_engine

_COLLECTED = re.compile(r"Collected : (\d+)")


def bill_child(url: str, tenant_id: str, batch_size: int, nothing_due: bool) -> None:
    engine = create_database_engine(url)
    until = MOMENT.date() - timedelta(days=1) if nothing_due else None
    summary = run.bill(
        engine, tenant_id, FixedWallClock(MOMENT), until, batch_size=batch_size, workers=1
    )
    engine.dispose()
    print(json.dumps({"contracts": summary.contracts, "invoices": summary.invoices}))


def _counted(
    url: str, tenant_id: str, batch_size: int, nothing_due: bool
) -> tuple[int, dict[str, int]]:
    """Instructions of one billing process under callgrind, and what it billed."""
    with tempfile.TemporaryDirectory(prefix="turnus-callgrind-") as directory:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={Path(directory) / 'callgrind.out'}",
            sys.executable,
            __file__,
            "--child",
            json.dumps([url, tenant_id, batch_size, nothing_due]),
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=False,
        )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"the billing process under callgrind failed ({done.returncode})")
    return int(found.group(1)), json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=run.DEFAULT_BATCH)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        bill_child(*json.loads(args.child))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="turnus-bench-") as directory:
        url = f"sqlite:///{Path(directory) / 'turnus.db'}"
        engine = create_database_engine(url)
        migrate.upgrade(engine)
        fixture = set_up(engine, args.contracts)
        engine.dispose()
        # the same file for both: the run for the day before bills nothing and changes nothing
        idle, nothing = _counted(url, fixture.tenant_id, args.batch_size, nothing_due=True)
        total, billed = _counted(url, fixture.tenant_id, args.batch_size, nothing_due=False)
    if nothing["contracts"] != 0 or billed["contracts"] != args.contracts:
        raise SystemExit(f"unexpected runs: {nothing} before, {billed} on the day")
    billing = total - idle
    print(f"contracts            {args.contracts:,} (batch size {args.batch_size:,}, SQLite)")
    print(f"invoices             {billed['invoices']:,}")
    print(f"instructions, run    {total:,}")
    print(f"instructions, idle   {idle:,} (the same process with nothing due)")
    print(f"per contract         {billing / args.contracts:,.0f}")


if __name__ == "__main__":
    main()
