"""Contract rows <-> the pure ``Lifecycle``; items and history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_

from turnus.domain.contracts.lifecycle import Cancellation, CancellationKind, Lifecycle, Pause
from turnus.services.catalog.codec import terms_of
from turnus.services.context import TenantContext
from turnus.services.json_columns import PLAIN, Decoder
from turnus.store.contract_tables import contract_events, contract_items, contracts
from turnus.store.ids import new_id


def pauses_of(doc: list[dict[str, Any]]) -> tuple[Pause, ...]:
    return tuple(
        Pause(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]), p.get("fee"))
        for p in doc
    )


def skips_of(doc: list[str]) -> tuple[date, ...]:
    return tuple(date.fromisoformat(d) for d in doc)


def cancellation_of(doc: dict[str, Any] | None) -> Cancellation | None:
    if doc is None:
        return None
    return Cancellation(
        kind=CancellationKind(doc["kind"]),
        received_on=date.fromisoformat(doc["received_on"]),
        end=date.fromisoformat(doc["end"]),
        reason=doc.get("reason"),
    )


def lifecycle_of(row: dict[str, Any], decoder: Decoder = PLAIN) -> Lifecycle:
    """The lifecycle of a contract row; its JSON columns decoded by ``decoder`` (rows read
    with those columns as text share the decoded values)."""
    return Lifecycle(
        concluded_on=row["concluded_on"],
        start=row["start_date"],
        terms=decoder.decode(terms_of, row["terms"]),
        trial_end=row["trial_end"],
        billing_anchor=row["billing_anchor"],
        term_start=row["term_start"],
        pauses=decoder.decode(pauses_of, row["pauses"]),
        skips=decoder.decode(skips_of, row["skips"]),
        cancellation=decoder.decode(cancellation_of, row["cancellation"]),
        suspended_on=row["suspended_on"],
    )


def lifecycle_values(lifecycle: Lifecycle) -> dict[str, Any]:
    """The columns a lifecycle change writes (the cancellation's confirmation is added by the
    caller)."""
    return {
        "trial_end": lifecycle.trial_end,
        "term_start": lifecycle.term_start,
        "pauses": [
            {"start": p.start.isoformat(), "end": p.end.isoformat(), "fee": p.fee}
            for p in lifecycle.pauses
        ],
        "skips": [d.isoformat() for d in lifecycle.skips],
        "suspended_on": lifecycle.suspended_on,
    }


def get(ctx: TenantContext, contract_id: str, *, for_update: bool = False) -> dict[str, Any]:
    return ctx.scope.get(contracts, contract_id, what="contract", for_update=for_update)


def items_on(ctx: TenantContext, contract_id: str, day: date) -> list[dict[str, Any]]:
    statement = (
        ctx.scope.select(contract_items)
        .where(
            contract_items.c.contract_id == contract_id,
            contract_items.c.valid_from <= day,
            or_(contract_items.c.valid_until.is_(None), contract_items.c.valid_until > day),
        )
        .order_by(contract_items.c.id)
    )
    return ctx.scope.rows(statement)


def add_item(
    ctx: TenantContext,
    contract_id: str,
    item_type: str,
    ref_id: str,
    quantity: Decimal,
    valid_from: date,
    valid_until: date | None = None,
) -> dict[str, Any]:
    row = {
        "id": new_id("itm"),
        "contract_id": contract_id,
        "item_type": item_type,
        "ref_id": ref_id,
        "quantity": quantity,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "created_at": ctx.now(),
    }
    return ctx.scope.insert(contract_items, row)


def end_item(ctx: TenantContext, item: dict[str, Any], on: date) -> None:
    """End an item segment on ``on``; one that would never have applied is removed."""
    if item["valid_from"] >= on:
        ctx.uow.connection.execute(
            ctx.scope.delete_statement(contract_items).where(contract_items.c.id == item["id"])
        )
    else:
        ctx.scope.update(contract_items, item["id"], {"valid_until": on})


def record_event(
    ctx: TenantContext,
    contract_id: str,
    kind: str,
    effective_on: date,
    data: dict[str, Any],
    order_id: str | None,
) -> dict[str, Any]:
    row = {
        "id": new_id("cev"),
        "contract_id": contract_id,
        "order_id": order_id,
        "kind": kind,
        "effective_on": effective_on,
        "recorded_at": ctx.now(),
        "actor_type": ctx.actor.type,
        "actor_id": ctx.actor.id,
        "data": data,
    }
    return ctx.scope.insert(contract_events, row)


def timeline(ctx: TenantContext, contract_id: str) -> list[dict[str, Any]]:
    statement = (
        ctx.scope.select(contract_events)
        .where(contract_events.c.contract_id == contract_id)
        .order_by(contract_events.c.effective_on, contract_events.c.id)
    )
    return ctx.scope.rows(statement)


def customer_currencies(ctx: TenantContext, customer_id: str) -> set[str]:
    statement = ctx.scope.select(contracts, contracts.c.currency).where(
        contracts.c.customer_id == customer_id
    )
    return {row[0] for row in ctx.uow.connection.execute(statement)}
