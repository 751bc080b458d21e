"""Reconciliation: expected lines minus what was billed gives the new invoice items.

For every key (kind, item, period) the difference between the expected amount and the sum of
the items billed for it becomes one new item with the next sequence number - a charge when more
is due, a credit when less is. The store's unique constraint on (contract, key, seq) makes a
second run of the same reconciliation, or a concurrent one, fail instead of billing twice.

Special rules:
- One-off lines (setup fee, trial fee, one-time charges) are billed once and never re-priced
  when the catalog changes later; they are only reversed when they no longer apply at all.
- Usage billed for a period the engine no longer computes (its grace period is over) is
  settled: it is left alone unless the contract was withdrawn.
- A billed key the engine no longer expects at all (a period removed by a withdrawal, a
  one-time item deleted) is credited in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from turnus.domain.billing.model import ONE_OFF_KINDS, Billed, Line, LineKind, NewItem


def reconcile(
    expected: Iterable[Line],
    billed: Iterable[Billed],
    *,
    today: date,
    withdrawn: bool = False,
) -> list[NewItem]:
    """The items that make the billed amounts equal the expected ones, ordered by period.
    Credits for keys no longer expected are due ``today``."""
    billed_by_key = {b.key: b for b in billed}
    items: list[NewItem] = []
    seen = set()
    for line in expected:
        seen.add(line.key)
        before = billed_by_key.get(line.key)
        if before is None:
            if line.amount != 0:
                items.append(_item(line, line.amount, 1, correction=False))
            continue
        if line.key.kind in ONE_OFF_KINDS:
            continue
        difference = line.amount - before.amount
        if difference != 0:
            items.append(_item(line, difference, before.last_seq + 1, correction=True))
    for key, before in billed_by_key.items():
        if key in seen or before.amount == 0:
            continue
        if key.kind is LineKind.USAGE and not withdrawn:
            continue
        items.append(
            NewItem(
                key=key,
                seq=before.last_seq + 1,
                amount=-before.amount,
                quantity=before.quantity,
                description=before.description,
                service_from=before.service_from,
                service_until=before.service_until,
                tax=before.tax,
                due=today,
                correction=True,
            )
        )
    items.sort(key=lambda i: (i.key.period_start, i.key.kind, i.key.ref_id))
    return items


def _item(line: Line, amount: int, seq: int, *, correction: bool) -> NewItem:
    return NewItem(
        key=line.key,
        seq=seq,
        amount=amount,
        quantity=line.quantity,
        description=line.description,
        service_from=line.service_from,
        service_until=line.service_until,
        tax=line.tax,
        due=line.due,
        correction=correction,
    )


def as_billed(lines: Iterable[Line]) -> list[Billed]:
    """Expected lines seen as if they had been billed (one item each)."""
    return [
        Billed(
            key=line.key,
            amount=line.amount,
            last_seq=1,
            description=line.description,
            service_from=line.service_from,
            service_until=line.service_until,
            quantity=line.quantity,
            tax=line.tax,
        )
        for line in lines
    ]


def order_effect(
    before: Iterable[Line], after: Iterable[Line], *, today: date, effective: date
) -> list[NewItem]:
    """What an order changes in billing: the contract's expected lines after the order minus
    those before it, both up to ``max(today, effective)``. Lines the old state would only have
    billed from the effective day on, and not yet, are replaced rather than credited (a plan
    change at the period's end shows the new fee, not a credit for the old one)."""
    baseline = [line for line in before if line.due <= today or line.service_from < effective]
    return reconcile(list(after), as_billed(baseline), today=max(today, effective))
