"""Gapless, unique document numbers (GoBD) for invoices, credit notes and cancellations.

``allocate(ctx, series, number_format, issued_on, count=1)`` returns ``count`` consecutive
numbers of ``series`` rendered with ``number_format`` for documents issued on ``issued_on``;
``peek(ctx, series, number_format, issued_on)`` returns the number the next allocation would
give, without writing (for previews only: by the time a document is finalized a concurrent
finalization may have taken it).

How it stays gapless and unique:

* The counter is a row of ``number_counters`` keyed by (tenant, series, period key), where the
  period key is ``number_format.period_key(issued_on)`` ("2026", "2026-03" or ""): a yearly
  format restarts at 1 each year, a monthly one each month, a format without a date part never.
  ``last_value`` is the last number issued (0 before the first).
* The counter is changed in the *caller's* transaction (``ctx.uow``), the one that writes the
  document. If that transaction rolls back, the increment rolls back with it, so no number is
  lost. That is why this is a row and never a database sequence (sequences do not roll back).
* The increment is a single ``UPDATE ... SET last_value = last_value + :count ... RETURNING
  last_value``. On PostgreSQL (READ COMMITTED, the engine default) it takes the row lock, which
  is held until the caller commits or rolls back: a concurrent allocation of the same tenant,
  series and period waits, then increments the committed value. On SQLite every write
  transaction starts with ``BEGIN IMMEDIATE``, so writers are serialized anyway.
* The first allocation of a period creates the row with ``INSERT ... ON CONFLICT DO NOTHING``
  (only when the update found no row) and then updates it. Two first allocations racing on
  PostgreSQL are safe: the second insert waits for the first transaction and then does nothing
  (or inserts, if the first rolled back).

Consequences for callers:

* Allocate as late as possible in the transaction, right before the document is written and
  committed: the counter stays locked until commit and every other finalization of the same
  series and period waits for it.
* A transaction that allocates from several series should do so in a fixed order (say, sorted
  by series name); two transactions locking two counters in opposite orders can deadlock on
  PostgreSQL, which aborts one of them.
* Under REPEATABLE READ or SERIALIZABLE isolation a concurrent allocation fails with a
  serialization error instead of waiting; the caller retries the whole transaction. On SQLite a
  writer that waited longer than the busy timeout fails with "database is locked"; the same
  retry applies. A retried transaction allocates again, so nothing is skipped.
* Uniqueness of the *rendered* number also relies on the formats: counters are per period key,
  not per format, so a merchant changing, e.g., ``RE{SEQ}`` to ``RE{YYYY}{SEQ}`` could in theory
  produce a number issued before. The unique constraint on ``invoices (tenant_id, number)``
  turns such a collision into a failed finalization, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import ColumnElement, Connection, Insert, and_
from sqlalchemy.dialects import postgresql, sqlite

from turnus.domain.billing.numbering import NumberFormat
from turnus.services.context import TenantContext
from turnus.store.billing_tables import number_counters

_SERIES_LENGTH = 20  # number_counters.series is String(20)


def allocate(
    ctx: TenantContext,
    series: str,
    number_format: NumberFormat,
    issued_on: date,
    count: int = 1,
) -> list[str]:
    """``count`` consecutive numbers of ``series`` for documents issued on ``issued_on``, taken
    in the caller's transaction (the counter row stays locked until it ends)."""
    _check_series(series)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be a whole number of at least 1")
    period_key = number_format.period_key(issued_on)
    last = _increment(ctx, series, period_key, count)
    if last is None:
        _create_counter(ctx, series, period_key)
        last = _increment(ctx, series, period_key, count)
        if last is None:  # only possible if the row vanished between the two statements
            raise RuntimeError(f"the number counter {series!r}/{period_key!r} is missing")
    first = last - count + 1
    return number_format.render_many(issued_on, first, count)


def peek(ctx: TenantContext, series: str, number_format: NumberFormat, issued_on: date) -> str:
    """The number the next allocation would give (a preview: no write, no lock)."""
    _check_series(series)
    period_key = number_format.period_key(issued_on)
    row = ctx.scope.first(
        ctx.scope.select(number_counters, number_counters.c.last_value).where(
            _key(series, period_key)
        )
    )
    last = int(row["last_value"]) if row is not None else 0
    return number_format.render(issued_on, last + 1)


def _check_series(series: str) -> None:
    if not isinstance(series, str) or not series or len(series) > _SERIES_LENGTH:
        raise ValueError(f"series must be a name of 1 to {_SERIES_LENGTH} characters")


def _key(series: str, period_key: str) -> ColumnElement[bool]:
    return and_(number_counters.c.series == series, number_counters.c.period_key == period_key)


def _increment(ctx: TenantContext, series: str, period_key: str, count: int) -> int | None:
    """The new ``last_value``, or None when the counter row does not exist yet."""
    statement = (
        ctx.scope.update_statement(number_counters)
        .where(_key(series, period_key))
        .values(last_value=number_counters.c.last_value + count)
        .returning(number_counters.c.last_value)
    )
    value = ctx.uow.connection.execute(statement).scalar_one_or_none()
    return None if value is None else int(value)


def _create_counter(ctx: TenantContext, series: str, period_key: str) -> None:
    """Insert the counter row at 0 unless it exists (or a concurrent transaction creates it)."""
    connection: Connection = ctx.uow.connection
    row = {
        "tenant_id": ctx.scope.tenant_id,
        "series": series,
        "period_key": period_key,
        "last_value": 0,
    }
    statement: Insert
    if connection.dialect.name == "postgresql":
        statement = postgresql.insert(number_counters).values(row).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(number_counters).values(row).on_conflict_do_nothing()
    connection.execute(statement)


def allocator(ctx: TenantContext) -> Callable[[str, NumberFormat, date, int], list[str]]:
    """``allocate`` bound to the caller's transaction: what finalization takes numbers from."""

    def allocate_in(
        series: str, number_format: NumberFormat, issued_on: date, count: int
    ) -> list[str]:
        return allocate(ctx, series, number_format, issued_on, count)

    return allocate_in
