"""Orders: every change of a contract is an order that can be previewed and then committed.

A preview runs exactly the same code as the commit inside a savepoint that is rolled back, so
what the preview shows is what the commit does. Every order is atomic: it applies fully or
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from turnus.domain.billing.model import ContractBilling
from turnus.domain.catalog.calendar import add, schedule_anchor
from turnus.domain.catalog.coupons import ChargeKey
from turnus.domain.catalog.model import Intro
from turnus.domain.catalog.phases import Phase, PhaseKind, timeline
from turnus.domain.contracts.lifecycle import CancellationKind, ContractState, Lifecycle
from turnus.domain.errors import Conflict, FieldError, ValidationFailed
from turnus.domain.money import exact_minor_units
from turnus.services import audit, customers, records, tenants
from turnus.services.billing import job as billing_job
from turnus.services.billing import preview as billing_preview
from turnus.services.catalog import price_versions
from turnus.services.catalog.codec import intro_of, terms_doc, terms_of, trial_of
from turnus.services.catalog.components import COMPONENT
from turnus.services.catalog.plans import PLAN
from turnus.services.catalog.products import PRODUCT
from turnus.services.catalog.variants import VARIANT
from turnus.services.context import TenantContext
from turnus.services.contracts import clock_tasks, redemptions, storage
from turnus.services.contracts.confirmation import cancellation_confirmation
from turnus.services.mail import hooks as mail_hooks
from turnus.services.serialize import jsonable
from turnus.store.contract_tables import contracts, orders
from turnus.store.ids import new_id

Handler = Callable[[TenantContext, dict[str, Any]], dict[str, Any]]


def view(ctx: TenantContext, row: dict[str, Any]) -> dict[str, Any]:
    """A contract as the API shows it: stored facts plus what follows from them today."""
    lifecycle = storage.lifecycle_of(row)
    today = ctx.today()
    state = lifecycle.state_on(today)
    running = state not in (ContractState.ENDED,) and lifecycle.cancellation is None
    return {
        **row,
        "state": state.value,
        "paid_start": lifecycle.paid_start,
        "minimum_term_end": lifecycle.minimum_term_end,
        "end_date": lifecycle.end,
        "cancellation_preview": (
            {
                "received_on": today,
                "end_date": lifecycle.earliest_ordinary_end(today),
                "cancel_by": lifecycle.cancel_by(today),
            }
            if running
            else None
        ),
        "phases": phases_of(lifecycle, intro_of(row["intro"])),
        "items": storage.items_on(ctx, row["id"], max(today, row["start_date"])),
    }


def phases_of(lifecycle: Lifecycle, intro: Intro | None) -> list[dict[str, Any]]:
    """Trial, intro, regular or fixed term - cut at the contract's end."""
    found = []
    if lifecycle.trial_end is not None:
        found.append(Phase(PhaseKind.TRIAL, lifecycle.start, lifecycle.trial_end))
    found.extend(
        timeline(lifecycle.paid_start, lifecycle.terms, None, intro, lifecycle.billing_anchor)
    )
    end = lifecycle.end
    result = []
    for phase in found:
        if end is not None and phase.start >= end:
            break
        until = phase.end if end is None or (phase.end is not None and phase.end <= end) else end
        result.append({"kind": phase.kind.value, "start": phase.start, "end": until})
    return result


def place(
    ctx: TenantContext, order_type: str, payload: dict[str, Any], *, preview: bool
) -> dict[str, Any]:
    handler = HANDLERS.get(order_type)
    if handler is None:
        raise ValidationFailed.field("/type", f"unknown order type '{order_type}'")
    savepoint = ctx.uow.connection.begin_nested()
    try:
        result = handler(ctx, payload)
    except BaseException:
        savepoint.rollback()
        raise
    if preview:
        savepoint.rollback()
        result["order"] = None
    else:
        savepoint.commit()
    return result


def _store_order(
    ctx: TenantContext,
    order_type: str,
    contract: dict[str, Any],
    payload: dict[str, Any],
    effect: dict[str, Any],
) -> dict[str, Any]:
    row = {
        "id": new_id("ord"),
        "type": order_type,
        "contract_id": contract["id"],
        "customer_id": contract["customer_id"],
        "request": jsonable(payload),
        "effect": jsonable(effect),
        "created_at": ctx.now(),
    }
    ctx.scope.insert(orders, row)
    audit.record(ctx, object_type="order", object_id=row["id"], action="committed", after=row)
    return row


# -- signup -------------------------------------------------------------------------------------


def _currency(
    ctx: TenantContext, customer: dict[str, Any], requested: str | None, variant_id: str
) -> str:
    existing = storage.customer_currencies(ctx, customer["id"])
    default = tenants.get_tenant(ctx.uow, ctx.tenant_id)["default_currency"]
    currency = requested or (next(iter(existing)) if existing else default)
    if existing and currency not in existing:
        raise Conflict(
            f"The customer's contracts are billed in {', '.join(sorted(existing))}; "
            f"a contract in {currency} would split their invoices."
        )
    if currency not in price_versions.currencies_of(ctx, variant_id):
        raise ValidationFailed.field("/currency", f"the plan variant has no price in {currency}")
    return currency


def _component_items(
    ctx: TenantContext, plan: dict[str, Any], requested: list[dict[str, Any]]
) -> dict[str, Decimal]:
    quantities = {i["component_id"]: Decimal(i["quantity"]) for i in plan["included_components"]}
    allowed = set(quantities) | set(plan["addon_components"])
    errors: list[FieldError] = []
    for index, item in enumerate(requested):
        pointer = f"/components/{index}"
        if item["component_id"] not in allowed:
            errors.append(
                FieldError(
                    f"{pointer}/component_id", "is neither included in nor an add-on of the plan"
                )
            )
            continue
        records.get_active(ctx, COMPONENT, item["component_id"], f"{pointer}/component_id")
        if Decimal(item["quantity"]) < 0:
            errors.append(FieldError(f"{pointer}/quantity", "must not be negative"))
        quantities[item["component_id"]] = Decimal(item["quantity"])
    if errors:
        raise ValidationFailed("The components are not valid.", errors)
    return quantities


def signup(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    customer = customers.require_active(ctx, p["customer_id"], "/customer_id")
    variant = records.get_active(ctx, VARIANT, p["variant_id"], "/variant_id")
    plan = records.get_active(ctx, PLAN, variant["plan_id"], "/variant_id")
    records.get_active(ctx, PRODUCT, plan["product_id"], "/variant_id")
    if customer["tax_status"] == "consumer" and not variant["offered_to_consumers"]:
        raise ValidationFailed.field("/variant_id", "is offered to businesses only")
    currency = _currency(ctx, customer, p.get("currency"), variant["id"])
    quantities = _component_items(ctx, plan, p.get("components") or [])
    today = ctx.today()
    start: date = p.get("start_date") or today
    terms = terms_of(variant)
    trial = trial_of(plan["trial"]) if p.get("with_trial", True) else None
    trial_end = add(start, trial.length) if trial is not None else None
    paid_start = trial_end or start
    anchor = schedule_anchor(paid_start, terms.billing_interval, p.get("billing_anchor_day"))
    Lifecycle(  # checks the dates (a trial ends after the start)
        concluded_on=today, start=start, terms=terms, trial_end=trial_end, billing_anchor=anchor
    )
    now = ctx.now()
    row = {
        "id": new_id("con"),
        "customer_id": customer["id"],
        "plan_id": plan["id"],
        "variant_id": variant["id"],
        "currency": currency,
        "concluded_on": today,
        "start_date": start,
        "trial_end": trial_end,
        "billing_anchor": anchor,
        "billing_timing": plan["billing_timing"],
        "term_start": None,
        "terms": terms_doc(terms),
        "trial": plan["trial"] if trial is not None else None,
        "intro": plan["intro"],
        "pauses": [],
        "skips": [],
        "cancellation": None,
        "suspended_on": None,
        "created_at": now,
        "updated_at": now,
    }
    ctx.scope.insert(contracts, row)
    storage.add_item(ctx, row["id"], "plan_variant", variant["id"], Decimal(1), start)
    for component_id, quantity in quantities.items():
        storage.add_item(ctx, row["id"], "component", component_id, quantity, start)
    if p.get("coupon_code"):
        keys = {variant["id"]: ChargeKey(plan["id"], variant["id"], None)}
        keys.update({cid: ChargeKey(plan["id"], variant["id"], cid) for cid in quantities})
        redemptions.redeem(
            ctx,
            p["coupon_code"],
            customer_id=customer["id"],
            contract_id=row["id"],
            currency=currency,
            charge_keys=list(keys.values()),
        )
    event = {
        "variant_id": variant["id"],
        "currency": currency,
        "components": {k: format(v, "f") for k, v in quantities.items()},
        "trial_end": trial_end,
        "billing_anchor": anchor,
    }
    storage.record_event(ctx, row["id"], "signed_up", start, _plain(event), None)
    audit.record(ctx, object_type="contract", object_id=row["id"], action="created", after=row)
    return _finish(ctx, "signup", row, p, None, start)


# -- changes of a running contract ------------------------------------------------------------


def _change(
    ctx: TenantContext,
    order_type: str,
    p: dict[str, Any],
    kind: str,
    effective_on: date,
    change: Callable[[Lifecycle], Lifecycle],
    extra: Callable[[Lifecycle], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    before = storage.get(ctx, p["contract_id"], for_update=True)
    billed_before = billing_preview.snapshot(ctx, before["id"])
    changed = change(storage.lifecycle_of(before))
    values = {
        **storage.lifecycle_values(changed),
        **(extra(changed) if extra else {}),
        "updated_at": ctx.now(),
    }
    ctx.scope.update(contracts, before["id"], values)
    after = storage.get(ctx, before["id"])
    data = {k: v for k, v in p.items() if k != "contract_id"}
    storage.record_event(ctx, before["id"], kind, effective_on, _plain(data), None)
    audit.record(
        ctx, object_type="contract", object_id=before["id"], action=kind, before=before, after=after
    )
    return _finish(ctx, order_type, after, p, billed_before, effective_on)


def pause(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    """``fee``: an optional reduced fee per paused billing period, in the contract's currency
    (major units); billing charges it instead of the regular fee."""
    fee: int | None = None
    if p.get("fee") is not None:
        contract = storage.get(ctx, p["contract_id"])
        fee = exact_minor_units(Decimal(p["fee"]), contract["currency"], "/fee")
    return _change(
        ctx, "pause", p, "paused", p["start"], lambda lc: lc.paused(p["start"], p["end"], fee)
    )


def resume(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    on = p.get("on") or ctx.today()
    return _change(ctx, "resume", {**p, "on": on}, "resumed", on, lambda lc: lc.resumed(on))


def cancel(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    received = p.get("received_on") or ctx.today()
    kind = CancellationKind(p.get("kind") or "ordinary")
    customer = customers.get_customer(ctx, storage.get(ctx, p["contract_id"])["customer_id"])

    early = bool(p.get("service_started_early"))

    def cancellation_doc(lc: Lifecycle) -> dict[str, Any]:
        assert lc.cancellation is not None
        confirmation = cancellation_confirmation(
            locale=customer["locale"],
            contract_id=p["contract_id"],
            kind=lc.cancellation.kind,
            received_at=ctx.now(),
            end=lc.cancellation.end,
            reason=lc.cancellation.reason,
        )
        return {
            "cancellation": {
                "kind": lc.cancellation.kind.value,
                "received_on": received.isoformat(),
                "received_at": ctx.now().isoformat(),
                "end": lc.cancellation.end.isoformat(),
                "reason": lc.cancellation.reason,
                "requested_end": _iso(p.get("requested_end")),
                "service_started_early": early if kind is CancellationKind.WITHDRAWAL else None,
                "confirmation": confirmation,
            }
        }

    result = _change(
        ctx,
        "cancel",
        {**p, "received_on": received, "kind": kind.value},
        "cancelled",
        received,
        lambda lc: lc.cancelled(kind, received, p.get("requested_end"), p.get("reason")),
        cancellation_doc,
    )
    # the confirmation in text form (§ 312k BGB); a preview rolls it back with the order
    stored = storage.get(ctx, p["contract_id"])
    mail_hooks.cancellation_received(ctx, stored, customer, stored["cancellation"]["confirmation"])
    return result


def revoke_cancellation(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    today = ctx.today()
    return _change(
        ctx,
        "revoke_cancellation",
        p,
        "cancellation_revoked",
        today,
        lambda lc: lc.revoked(today),
        lambda lc: {"cancellation": None},
    )


def end_trial(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    on = p.get("on") or ctx.today()
    return _change(
        ctx, "end_trial", {**p, "on": on}, "trial_ended", on, lambda lc: lc.trial_ended(on)
    )


def skip(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    today = ctx.today()
    start = p.get("period_start") or storage.lifecycle_of(
        storage.get(ctx, p["contract_id"])
    ).next_period_start(today)
    return _change(
        ctx,
        "skip",
        {**p, "period_start": start},
        "skipped",
        start,
        lambda lc: lc.skipped(start, today),
    )


def change_quantity(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    """Change a component's quantity from a day on; 0 removes it, a new add-on is added. The
    running period's difference is prorated by days (for components that prorate)."""
    contract = storage.get(ctx, p["contract_id"], for_update=True)
    billed_before = billing_preview.snapshot(ctx, contract["id"])
    lifecycle = storage.lifecycle_of(contract)
    effective: date = p.get("effective_on") or ctx.today()
    lifecycle.require_running(effective, "/effective_on")
    if effective < contract["start_date"]:
        raise ValidationFailed.field("/effective_on", "is before the contract starts")
    quantity = Decimal(p["quantity"])
    if quantity < 0:
        raise ValidationFailed.field("/quantity", "must not be negative")
    plan = records.get(ctx, PLAN, contract["plan_id"])
    component_id = p["component_id"]
    allowed = {i["component_id"] for i in plan["included_components"]} | set(
        plan["addon_components"]
    )
    if component_id not in allowed:
        raise ValidationFailed.field(
            "/component_id", "is neither included in nor an add-on of the plan"
        )
    current = next(
        (
            i
            for i in storage.items_on(ctx, contract["id"], effective)
            if i["item_type"] == "component" and i["ref_id"] == component_id
        ),
        None,
    )
    old = current["quantity"] if current else Decimal(0)
    if old == quantity:
        raise Conflict(f"The contract already has {quantity} of '{component_id}' on {effective}.")
    if quantity > 0:
        records.get_active(ctx, COMPONENT, component_id, "/component_id")
    if current is not None:
        storage.end_item(ctx, current, effective)
    if quantity > 0:
        storage.add_item(ctx, contract["id"], "component", component_id, quantity, effective)
    storage.record_event(
        ctx,
        contract["id"],
        "quantity_changed",
        effective,
        _plain({"component_id": component_id, "from": old, "to": quantity}),
        None,
    )
    after = storage.get(ctx, contract["id"])
    audit.record(
        ctx,
        object_type="contract",
        object_id=contract["id"],
        action="quantity_changed",
        before=contract,
        after=after,
    )
    return _finish(ctx, "change_quantity", after, p, billed_before, effective)


def change_plan(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    """Up- or downgrade to another plan variant: immediately (the unused part of the running
    period is credited, the new fee charged to the next period boundary, both prorated by
    days) or at the end of the running period - by the current plan's rule unless the order
    says otherwise. The new variant's terms and commitment start on the effective day."""
    contract = storage.get(ctx, p["contract_id"], for_update=True)
    billed_before = billing_preview.snapshot(ctx, contract["id"])
    lifecycle = storage.lifecycle_of(contract)
    variant = records.get_active(ctx, VARIANT, p["variant_id"], "/variant_id")
    if variant["id"] == contract["variant_id"]:
        raise Conflict("The contract already runs on this plan variant.")
    plan = records.get_active(ctx, PLAN, variant["plan_id"], "/variant_id")
    customer = customers.get_customer(ctx, contract["customer_id"])
    if customer["tax_status"] == "consumer" and not variant["offered_to_consumers"]:
        raise ValidationFailed.field("/variant_id", "is offered to businesses only")
    if contract["currency"] not in price_versions.currencies_of(ctx, variant["id"]):
        raise ValidationFailed.field(
            "/variant_id", f"has no price in the contract's currency {contract['currency']}"
        )
    timing = p.get("timing") or records.get(ctx, PLAN, contract["plan_id"])["change_timing"]
    today = ctx.today()
    if p.get("effective_on") is not None:
        effective: date = p["effective_on"]
    elif timing == "end_of_period":
        effective = lifecycle.next_period_start(today)
    else:
        effective = max(today, contract["start_date"])
    terms = terms_of(variant)
    changed = lifecycle.with_terms(terms, effective)
    current = next(
        i
        for i in storage.items_on(ctx, contract["id"], effective)
        if i["item_type"] == "plan_variant"
    )
    storage.end_item(ctx, current, effective)
    storage.add_item(ctx, contract["id"], "plan_variant", variant["id"], Decimal(1), effective)
    ctx.scope.update(
        contracts,
        contract["id"],
        {
            **storage.lifecycle_values(changed),
            "variant_id": variant["id"],
            "plan_id": plan["id"],
            "terms": terms_doc(terms),
            "updated_at": ctx.now(),
        },
    )
    storage.record_event(
        ctx,
        contract["id"],
        "plan_changed",
        effective,
        _plain(
            {
                "from_variant_id": contract["variant_id"],
                "to_variant_id": variant["id"],
                "timing": timing,
            }
        ),
        None,
    )
    after = storage.get(ctx, contract["id"])
    audit.record(
        ctx,
        object_type="contract",
        object_id=contract["id"],
        action="plan_changed",
        before=contract,
        after=after,
    )
    return _finish(ctx, "change_plan", after, {**p, "timing": timing}, billed_before, effective)


def one_time_charge(ctx: TenantContext, p: dict[str, Any]) -> dict[str, Any]:
    """Charge a one-time component (hardware, a service visit) on a day of the contract. It is
    kept as a one-day item of the contract, which billing picks up like any other item."""
    contract = storage.get(ctx, p["contract_id"], for_update=True)
    billed_before = billing_preview.snapshot(ctx, contract["id"])
    lifecycle = storage.lifecycle_of(contract)
    day: date = p.get("on") or max(ctx.today(), contract["start_date"])
    lifecycle.require_running(day, "/on")
    if day < contract["start_date"]:
        raise ValidationFailed.field("/on", "is before the contract starts")
    component = records.get_active(ctx, COMPONENT, p["component_id"], "/component_id")
    if component["charge_type"] != "one_time":
        raise ValidationFailed.field("/component_id", "is not a one-time component")
    quantity = Decimal(1) if p.get("quantity") is None else Decimal(p["quantity"])
    if quantity <= 0:
        raise ValidationFailed.field("/quantity", "must be positive")
    if contract["currency"] not in price_versions.currencies_of(ctx, component["id"]):
        raise ValidationFailed.field(
            "/component_id", f"has no price in the contract's currency {contract['currency']}"
        )
    storage.add_item(
        ctx,
        contract["id"],
        "one_time",
        component["id"],
        quantity,
        day,
        valid_until=day + timedelta(days=1),
    )
    storage.record_event(
        ctx,
        contract["id"],
        "one_time_charged",
        day,
        _plain({"component_id": component["id"], "quantity": quantity}),
        None,
    )
    after = storage.get(ctx, contract["id"])
    audit.record(
        ctx,
        object_type="contract",
        object_id=contract["id"],
        action="one_time_charged",
        before=contract,
        after=after,
    )
    return _finish(ctx, "one_time_charge", after, p, billed_before, day)


HANDLERS: dict[str, Handler] = {
    "signup": signup,
    "pause": pause,
    "resume": resume,
    "cancel": cancel,
    "revoke_cancellation": revoke_cancellation,
    "end_trial": end_trial,
    "skip": skip,
    "change_quantity": change_quantity,
    "change_plan": change_plan,
    "one_time_charge": one_time_charge,
}


def _finish(
    ctx: TenantContext,
    order_type: str,
    contract: dict[str, Any],
    payload: dict[str, Any],
    billed_before: ContractBilling | None,
    effective: date,
) -> dict[str, Any]:
    """Schedule what the contract's dates need, and compute with the billing engine what the
    order changes in billing (the charges and credits the next billing run adds for it)."""
    clock_tasks.schedule_dates(ctx, contract["id"], storage.lifecycle_of(contract))
    billing_job.contract_changed(ctx, contract["id"])
    shown = view(ctx, contract)
    after = billing_preview.snapshot(ctx, contract["id"])
    assert after is not None
    items = billing_preview.effect(ctx, billed_before, after, effective)
    charge_docs = [_plain(billing_preview.charge_doc(item, contract["currency"])) for item in items]
    effect = {"state": shown["state"], "end_date": shown["end_date"], "charges": charge_docs}
    order = _store_order(ctx, order_type, contract, payload, effect)
    return {"order": order, "contract": shown, "charges": charge_docs}


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = jsonable(data)
    return result
