"""Document numbers: gapless and unique per tenant, series and period, also under concurrency
and rollbacks (GoBD)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from tests.conftest import TEST_ACTOR, make_tenant
from turnus.domain.billing.numbering import NumberFormat
from turnus.services.billing import numbering
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock

YEARLY = NumberFormat("RE-{YYYY}-{SEQ:06}")
DAY = date(2026, 11, 25)
T = TypeVar("T")


class Boom(Exception):
    pass


@pytest.fixture
def tenant(engine: Engine, wall_clock: FixedWallClock) -> str:
    return make_tenant(engine, wall_clock)[0]


def in_tx(
    engine: Engine, wall_clock: FixedWallClock, tenant_id: str, work: Callable[[TenantContext], T]
) -> T:
    """Run ``work`` in its own committed unit of work."""
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock)
        return work(ctx)


def take(
    engine: Engine,
    wall_clock: FixedWallClock,
    tenant_id: str,
    series: str = "invoice",
    number_format: NumberFormat = YEARLY,
    issued_on: date = DAY,
    count: int = 1,
) -> list[str]:
    return in_tx(
        engine,
        wall_clock,
        tenant_id,
        lambda ctx: numbering.allocate(ctx, series, number_format, issued_on, count),
    )


def test_sequential_allocations_count_up(engine, wall_clock, tenant) -> None:
    assert take(engine, wall_clock, tenant) == ["RE-2026-000001"]
    assert take(engine, wall_clock, tenant) == ["RE-2026-000002"]
    assert take(engine, wall_clock, tenant) == ["RE-2026-000003"]


def test_several_allocations_in_one_transaction(engine, wall_clock, tenant) -> None:
    def twice(ctx: TenantContext) -> list[str]:
        first = numbering.allocate(ctx, "invoice", YEARLY, DAY)
        return first + numbering.allocate(ctx, "invoice", YEARLY, DAY)

    assert in_tx(engine, wall_clock, tenant, twice) == ["RE-2026-000001", "RE-2026-000002"]


def test_a_block_is_contiguous(engine, wall_clock, tenant) -> None:
    take(engine, wall_clock, tenant)
    assert take(engine, wall_clock, tenant, count=5) == [f"RE-2026-{n:06d}" for n in range(2, 7)]
    assert take(engine, wall_clock, tenant) == ["RE-2026-000007"]


def test_count_must_be_positive(engine, wall_clock, tenant) -> None:
    for bad in (0, -1):
        with pytest.raises(ValueError, match="count"):
            take(engine, wall_clock, tenant, count=bad)
    with pytest.raises(ValueError, match="series"):
        take(engine, wall_clock, tenant, series="")
    assert take(engine, wall_clock, tenant) == ["RE-2026-000001"]


def test_yearly_format_restarts_each_year(engine, wall_clock, tenant) -> None:
    take(engine, wall_clock, tenant, count=3)
    assert take(engine, wall_clock, tenant, issued_on=date(2027, 1, 1)) == ["RE-2027-000001"]
    assert take(engine, wall_clock, tenant, issued_on=date(2026, 12, 31)) == ["RE-2026-000004"]
    assert take(engine, wall_clock, tenant, issued_on=date(2027, 6, 30)) == ["RE-2027-000002"]


def test_monthly_restarts_and_undated_never(engine, wall_clock, tenant) -> None:
    monthly = NumberFormat("{YY}{MM}/{SEQ:04}")
    assert take(engine, wall_clock, tenant, "m", monthly, date(2026, 3, 31)) == ["2603/0001"]
    assert take(engine, wall_clock, tenant, "m", monthly, date(2026, 4, 1)) == ["2604/0001"]
    assert take(engine, wall_clock, tenant, "m", monthly, date(2026, 3, 1)) == ["2603/0002"]
    plain = NumberFormat("INV{SEQ}")
    assert take(engine, wall_clock, tenant, "p", plain, date(2026, 1, 1)) == ["INV1"]
    assert take(engine, wall_clock, tenant, "p", plain, date(2031, 1, 1)) == ["INV2"]


def test_series_and_tenants_are_independent(engine, wall_clock, tenant) -> None:
    other = make_tenant(engine, wall_clock, company_name="Andere AG")[0]
    credit = NumberFormat("GS-{YYYY}-{SEQ:06}")
    take(engine, wall_clock, tenant, count=2)
    assert take(engine, wall_clock, tenant, "credit_note", credit) == ["GS-2026-000001"]
    assert take(engine, wall_clock, other) == ["RE-2026-000001"]
    assert take(engine, wall_clock, tenant) == ["RE-2026-000003"]
    assert take(engine, wall_clock, other, "credit_note", credit) == ["GS-2026-000001"]


def test_a_rolled_back_transaction_leaves_no_gap(engine, wall_clock, tenant) -> None:
    def allocate_then_fail(ctx: TenantContext) -> None:
        assert numbering.allocate(ctx, "invoice", YEARLY, DAY) == ["RE-2026-000001"]
        raise Boom

    with pytest.raises(Boom):  # the first allocation of a period also creates the counter
        in_tx(engine, wall_clock, tenant, allocate_then_fail)
    assert take(engine, wall_clock, tenant) == ["RE-2026-000001"]

    def block_then_fail(ctx: TenantContext) -> None:
        numbering.allocate(ctx, "invoice", YEARLY, DAY, count=10)
        raise Boom

    with pytest.raises(Boom):
        in_tx(engine, wall_clock, tenant, block_then_fail)
    assert take(engine, wall_clock, tenant) == ["RE-2026-000002"]


def test_peek_previews_without_writing(engine, wall_clock, tenant) -> None:
    def peek(ctx: TenantContext) -> str:
        return numbering.peek(ctx, "invoice", YEARLY, DAY)

    assert in_tx(engine, wall_clock, tenant, peek) == "RE-2026-000001"
    assert in_tx(engine, wall_clock, tenant, peek) == "RE-2026-000001"
    assert take(engine, wall_clock, tenant) == ["RE-2026-000001"]
    assert in_tx(engine, wall_clock, tenant, peek) == "RE-2026-000002"
    assert take(engine, wall_clock, tenant) == ["RE-2026-000002"]


def test_concurrent_allocations_are_gapless_and_unique(engine, wall_clock, tenant) -> None:
    """Threads finalize concurrently, each in its own short transactions, about a third of
    which roll back after taking a number. The committed numbers must be exactly 1..K. All
    threads start together on a fresh counter, so creating the row is raced as well. No
    retries are needed: on SQLite writers queue on BEGIN IMMEDIATE (busy timeout 30 s), on
    PostgreSQL (READ COMMITTED) they wait for the counter's row lock; any error fails."""
    threads, per_thread = 8, 25
    plain = NumberFormat("C{SEQ}")
    committed: list[int] = []
    rolled_back: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(per_thread):
            fail = rng.random() < 1 / 3
            try:
                with UnitOfWork(engine) as uow:
                    ctx = TenantContext(
                        uow=uow, tenant_id=tenant, actor=TEST_ACTOR, wall_clock=wall_clock
                    )
                    [number] = numbering.allocate(ctx, "invoice", plain, DAY)
                    if rng.random() < 0.5:  # hold the counter lock a little longer
                        threading.Event().wait(0.001)
                    if fail:
                        raise Boom
            except Boom:
                with lock:
                    rolled_back.append(int(number[1:]))
                continue
            with lock:  # recorded only after the commit succeeded
                committed.append(int(number[1:]))

    def run(seed: int) -> None:
        try:
            worker(seed)
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=run, args=(seed,)) for seed in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in pool)
    assert not errors, errors

    assert len(committed) + len(rolled_back) == threads * per_thread
    assert committed and rolled_back
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert take(engine, wall_clock, tenant, "invoice", plain) == [f"C{len(committed) + 1}"]
