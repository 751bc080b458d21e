"""Metered usage: events, their aggregation over a billing period, and the free quota.

A metered component reports :class:`UsageEvent` values; the events of a period
(:func:`events_in_period`, half-open ``[start, end)``) are reduced by the component's
:class:`~turnus.domain.catalog.model.Aggregation` (:func:`aggregate`), the included quantity is
taken off (:func:`billable_quantity`), and what remains is priced by
:func:`turnus.domain.catalog.pricing.amount_for`.

Sums are exact: they run in a wide decimal context that refuses to round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import (
    Decimal,
    localcontext,
)

from turnus.domain.catalog.model import Aggregation
from turnus.domain.errors import FieldError, ValidationFailed
from turnus.domain.exact import EXACT as _EXACT

_ZERO = Decimal(0)


def _is_aware(moment: object) -> bool:
    return isinstance(moment, datetime) and moment.utcoffset() is not None


@dataclass(frozen=True)
class UsageEvent:
    """``quantity`` units used at ``occurred_at`` (timezone-aware). ``unique_key`` is what
    UNIQUE_COUNT counts (an active user id, ...); ``event_id`` identifies the reported event.

    Raises :class:`ValidationFailed` (pointers "/occurred_at", "/quantity") for a naive time or
    a quantity that is not a finite Decimal >= 0."""

    occurred_at: datetime
    quantity: Decimal
    unique_key: str | None = None
    event_id: str = ""

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not _is_aware(self.occurred_at):
            errors.append(FieldError("/occurred_at", "the time must be timezone-aware"))
        if (
            not isinstance(self.quantity, Decimal)
            or not self.quantity.is_finite()
            or self.quantity < 0
        ):
            errors.append(FieldError("/quantity", "the quantity must be a finite Decimal >= 0"))
        if errors:
            raise ValidationFailed(
                "The usage event is not valid: "
                + "; ".join(f"{e.pointer}: {e.reason}" for e in errors),
                errors,
            )


def aggregate(events: Iterable[UsageEvent], aggregation: Aggregation) -> Decimal:
    """Reduce ``events`` to one quantity (0 when there are none).

    SUM: the sum of the quantities. MAX: the largest quantity. COUNT: the number of events.
    UNIQUE_COUNT: the number of distinct ``unique_key`` values (events without a key, i.e.
    ``None``, are ignored). LAST: the quantity of the latest event by ``occurred_at``; of events
    at the same instant the one later in ``events`` wins."""
    match aggregation:
        case Aggregation.SUM:
            with localcontext(_EXACT):
                return sum((e.quantity for e in events), _ZERO)
        case Aggregation.MAX:
            return max((e.quantity for e in events), default=_ZERO)
        case Aggregation.COUNT:
            return Decimal(sum(1 for _ in events))
        case Aggregation.UNIQUE_COUNT:
            return Decimal(len({e.unique_key for e in events if e.unique_key is not None}))
        case Aggregation.LAST:
            latest: UsageEvent | None = None
            for event in events:
                if latest is None or event.occurred_at >= latest.occurred_at:
                    latest = event
            return _ZERO if latest is None else latest.quantity
    raise ValueError(f"unknown aggregation {aggregation!r}")


def billable_quantity(aggregated: Decimal, included: Decimal) -> Decimal:
    """What is charged after the free quota: ``max(0, aggregated - included)``.

    Raises ValueError for a negative ``included`` quantity."""
    if included < 0:
        raise ValueError("the included quantity must not be negative")
    with localcontext(_EXACT):
        return max(_ZERO, aggregated - included)


def events_in_period(
    events: Iterable[UsageEvent], start: datetime, end: datetime
) -> list[UsageEvent]:
    """The events with ``start <= occurred_at < end``, in their input order.

    Raises ValueError for naive bounds or ``end`` before ``start``."""
    if not (_is_aware(start) and _is_aware(end)):
        raise ValueError("the period bounds must be timezone-aware")
    if end < start:
        raise ValueError("a period ends no earlier than it starts")
    return [e for e in events if start <= e.occurred_at < end]
