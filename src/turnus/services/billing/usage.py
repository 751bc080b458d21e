"""Metered usage: ingesting the events a merchant reports (checked against the contract, its
components and billing periods, deduplicated by the merchant's event id, stored all or nothing)
and the summary of a billing period per metered component, priced as an estimate.

Event days and period bounds are calendar days in the tenant's time zone: an event belongs to
the billing period whose local dates contain the event's local date."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from turnus.domain.catalog import pricing
from turnus.domain.catalog.calendar import period_containing
from turnus.domain.catalog.model import Aggregation, ChargeType
from turnus.domain.catalog.usage import (
    UsageEvent,
    aggregate,
    billable_quantity,
    events_in_period,
)
from turnus.domain.contracts.lifecycle import Lifecycle
from turnus.domain.errors import FieldError, ValidationFailed
from turnus.services.billing import job as billing_job
from turnus.services.billing import settings
from turnus.services.billing.prices import catalog_price
from turnus.services.context import TenantContext
from turnus.services.contracts import storage
from turnus.store.billing_tables import usage_events
from turnus.store.catalog_tables import components, plans
from turnus.store.contract_tables import contract_items, contracts
from turnus.store.ids import new_id

MAX_EVENTS = 1000
FUTURE_TOLERANCE = timedelta(minutes=5)
_SHOWN_ERRORS = 3


def local_instant(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware ``moment`` as it is; a naive one is wall-clock time in ``zone``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=zone)
    return moment


def plain(value: Decimal) -> str:
    """A decimal as a plain string without exponent or trailing zeros (1200, 0.5)."""
    number = value.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        number = number.quantize(Decimal(1))
    return format(number, "f")


# -- lookups ---------------------------------------------------------------------------------
def _by_id(ctx: TenantContext, table: Any, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = ctx.scope.rows(ctx.scope.select(table).where(table.c.id.in_(wanted)))
    return {row["id"]: row for row in rows}


def _stored_event_ids(ctx: TenantContext, event_ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(event_ids))
    if not wanted:
        return set()
    statement = ctx.scope.select(usage_events, usage_events.c.event_id).where(
        usage_events.c.event_id.in_(wanted)
    )
    return {row[0] for row in ctx.uow.connection.execute(statement)}


def _item_components(ctx: TenantContext, contract_ids: Iterable[str]) -> dict[str, list[str]]:
    """Per contract: the components that are (or were) items of it, in the order added."""
    wanted = sorted(set(contract_ids))
    found: dict[str, list[str]] = {c: [] for c in wanted}
    if not wanted:
        return found
    statement = (
        ctx.scope.select(contract_items)
        .where(
            contract_items.c.contract_id.in_(wanted),
            contract_items.c.item_type == "component",
        )
        .order_by(contract_items.c.id)
    )
    for row in ctx.scope.rows(statement):
        if row["ref_id"] not in found[row["contract_id"]]:
            found[row["contract_id"]].append(row["ref_id"])
    return found


def _offered(plan: Mapping[str, Any], items: Sequence[str]) -> list[str]:
    """The components a contract may report usage for: included in or an add-on of its plan,
    or an item of the contract; in that order, each once."""
    ordered = [i["component_id"] for i in plan["included_components"]]
    ordered += list(plan["addon_components"]) + list(items)
    return list(dict.fromkeys(ordered))


# -- ingestion -------------------------------------------------------------------------------
class _Checker:
    """Checks the events of one request against what it references, collecting every error."""

    def __init__(self, ctx: TenantContext, events: Sequence[Mapping[str, Any]]) -> None:
        self.contracts = _by_id(ctx, contracts, (e["contract_id"] for e in events))
        self.components = _by_id(ctx, components, (e["component_id"] for e in events))
        self.plans = _by_id(ctx, plans, (c["plan_id"] for c in self.contracts.values()))
        items = _item_components(ctx, self.contracts)
        self.offered = {
            cid: set(_offered(self.plans[c["plan_id"]], items[cid]))
            for cid, c in self.contracts.items()
        }
        self.lifecycles = {cid: storage.lifecycle_of(c) for cid, c in self.contracts.items()}
        self.grace_days = settings.get(ctx).usage_grace_days
        self.zone = ctx.clock.zone
        self.now = ctx.now()
        self.today = ctx.today()

    def errors(self, event: Mapping[str, Any], pointer: str) -> list[FieldError]:
        errors: list[FieldError] = []
        contract = self.contracts.get(event["contract_id"])
        if contract is None:
            errors.append(
                FieldError(
                    f"{pointer}/contract_id", f"no contract with id '{event['contract_id']}' exists"
                )
            )
        else:
            errors.extend(self._component_errors(event, contract, pointer))
        reason = self._timing_error(event, contract)
        if reason is not None:
            errors.append(FieldError(f"{pointer}/timestamp", reason))
        return errors

    def _component_errors(
        self, event: Mapping[str, Any], contract: Mapping[str, Any], pointer: str
    ) -> list[FieldError]:
        component_id = event["component_id"]
        component = self.components.get(component_id)
        where = f"{pointer}/component_id"
        if component is None:
            return [FieldError(where, f"no component with id '{component_id}' exists")]
        if component["charge_type"] != ChargeType.METERED.value:
            return [
                FieldError(
                    where,
                    f"is not a metered component (its charge type is {component['charge_type']})",
                )
            ]
        if component_id not in self.offered[contract["id"]]:
            return [
                FieldError(
                    where,
                    "is neither included in nor an add-on of the contract's plan, "
                    "nor an item of the contract",
                )
            ]
        return []

    def _timing_error(
        self, event: Mapping[str, Any], contract: Mapping[str, Any] | None
    ) -> str | None:
        occurred = local_instant(event["timestamp"], self.zone)
        if occurred > self.now + FUTURE_TOLERANCE:
            return (
                "lies more than 5 minutes in the future (the tenant clock reads "
                f"{self.now.isoformat()})"
            )
        if contract is None:
            return None
        lifecycle: Lifecycle = self.lifecycles[contract["id"]]
        day = occurred.astimezone(self.zone).date()
        if day < lifecycle.start:
            return f"falls on {day}, before the contract starts ({lifecycle.start})"
        end = lifecycle.end
        if end is not None and day >= end:
            return f"falls on {day}, on or after the contract's end ({end})"
        period = period_containing(
            contract["billing_anchor"], lifecycle.terms.billing_interval, day
        )
        if self.today >= period.end + timedelta(days=self.grace_days):
            days = f"{self.grace_days} day{'' if self.grace_days == 1 else 's'}"
            return (
                f"the billing period ended on {period.end - timedelta(days=1)} and its grace "
                f"period of {days} is over"
            )
        return None


def _detail(errors: Sequence[FieldError]) -> str:
    shown = "; ".join(f"{e.pointer}: {e.reason}" for e in errors[:_SHOWN_ERRORS])
    more = len(errors) - _SHOWN_ERRORS
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"The usage events are not valid; nothing was stored. {shown}{suffix}"


def ingest(
    ctx: TenantContext, events: Sequence[Mapping[str, Any]], *, batch: bool
) -> dict[str, Any]:
    """Store the new ``events`` with one insert, all or nothing.

    Each event is a mapping with event_id, contract_id, component_id, timestamp (aware: that
    instant; naive: local time of the tenant), quantity, unique_key and properties. ``batch``:
    the events came as ``{"events": [...]}`` (pointers /events/<n>/...), else as one object.
    An event whose event_id is already stored, or came earlier in the same request, is a
    duplicate: accepted and ignored, whatever its content. Any invalid event raises
    :class:`ValidationFailed` naming every error."""
    if len(events) > MAX_EVENTS:
        raise ValidationFailed.field("/events", f"at most {MAX_EVENTS} events per request")
    seen = _stored_event_ids(ctx, (e["event_id"] for e in events))
    fresh: list[tuple[str, Mapping[str, Any]]] = []
    for index, event in enumerate(events):
        if event["event_id"] in seen:
            continue
        seen.add(event["event_id"])
        fresh.append((f"/events/{index}" if batch else "", event))
    checker = _Checker(ctx, [e for _, e in fresh])
    errors = [error for pointer, event in fresh for error in checker.errors(event, pointer)]
    if errors:
        raise ValidationFailed(_detail(errors), errors)
    received_at = ctx.now()
    rows = [
        {
            "id": new_id("uev"),
            "event_id": event["event_id"],
            "contract_id": event["contract_id"],
            "component_id": event["component_id"],
            "occurred_at": local_instant(event["timestamp"], checker.zone),
            "quantity": event["quantity"] if event["quantity"] != 0 else Decimal(0),
            "unique_key": event.get("unique_key"),
            "properties": dict(event.get("properties") or {}),
            "received_at": received_at,
        }
        for _, event in fresh
    ]
    ctx.scope.insert_many(usage_events, rows)
    _late_usage_rebills(ctx, rows, checker.zone)
    return {
        "received": len(events),
        "stored": len(rows),
        "duplicates": len(events) - len(rows),
        "event_ids_stored": [row["event_id"] for row in rows],
    }


def _late_usage_rebills(
    ctx: TenantContext, rows: Sequence[Mapping[str, Any]], zone: ZoneInfo
) -> None:
    """Usage reported for an earlier day may belong to a period already billed (within its
    grace period): such contracts are billed again by the next run, which adds the difference."""
    today = ctx.today()
    late = sorted(
        {r["contract_id"] for r in rows if r["occurred_at"].astimezone(zone).date() < today}
    )
    for contract_id in late:
        billing_job.contract_changed(ctx, contract_id)


# -- summary ---------------------------------------------------------------------------------
def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def summary(ctx: TenantContext, contract_id: str, on: date | None = None) -> dict[str, Any]:
    """The billing period of the contract containing ``on`` (default: today) and, per metered
    component of the contract, its usage in that period: events, the aggregated quantity, the
    free quota, the billable rest and its estimated price in the contract currency."""
    contract = storage.get(ctx, contract_id)
    lifecycle = storage.lifecycle_of(contract)
    day = on or ctx.today()
    period = period_containing(contract["billing_anchor"], lifecycle.terms.billing_interval, day)
    zone = ctx.clock.zone
    start, end = _local_midnight(period.start, zone), _local_midnight(period.end, zone)
    statement = (
        ctx.scope.select(usage_events)
        .where(
            usage_events.c.contract_id == contract_id,
            usage_events.c.occurred_at >= start,
            usage_events.c.occurred_at < end,
        )
        .order_by(usage_events.c.occurred_at, usage_events.c.id)
    )
    reported: dict[str, list[UsageEvent]] = {}
    for row in ctx.scope.rows(statement):
        reported.setdefault(row["component_id"], []).append(
            UsageEvent(
                occurred_at=row["occurred_at"],
                quantity=row["quantity"],
                unique_key=row["unique_key"],
                event_id=row["event_id"],
            )
        )
    plan = ctx.scope.get(plans, contract["plan_id"], what="plan")
    candidates = _offered(plan, _item_components(ctx, [contract_id])[contract_id])
    candidates = list(dict.fromkeys([*candidates, *reported]))
    found = _by_id(ctx, components, candidates)
    currency = contract["currency"]
    lines = []
    for component_id in candidates:
        component = found.get(component_id)
        if component is None or component["charge_type"] != ChargeType.METERED.value:
            continue
        events = events_in_period(reported.get(component_id, []), start, end)
        aggregation = Aggregation(component["aggregation"])
        quantity = aggregate(events, aggregation)
        included = component["included_quantity"]
        billable = billable_quantity(quantity, included)
        price = catalog_price(
            ctx,
            component_id,
            contract["customer_id"],
            contract["concluded_on"],
            period.start,
            currency,
        )
        lines.append(
            {
                "component_id": component_id,
                "name": component["name_de"],
                "unit_name": component["unit_name"],
                "aggregation": aggregation.value,
                "event_count": len(events),
                "quantity": plain(quantity),
                "included_quantity": plain(included),
                "billable_quantity": plain(billable),
                "amount": None if price is None else pricing.amount_for(price, billable),
                "currency": currency,
            }
        )
    return {
        "contract_id": contract_id,
        "on": day,
        "period_start": period.start,
        "period_end": period.end,
        "currency": currency,
        "components": lines,
    }
