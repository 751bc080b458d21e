"""The charges a signup causes right away, computed with the catalog's pricing functions:
setup fee, a priced trial, and - billed in advance - the first (possibly prorated) period of the
fee and of each recurring or one-time component. Usage is billed in arrears and does not
appear. The billing engine (reconciliation over the whole timeline) supersedes this preview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from turnus.domain.catalog import pricing, versions
from turnus.domain.catalog.calendar import period_containing
from turnus.domain.catalog.model import ChargeType, Price
from turnus.domain.catalog.proration import prorate
from turnus.domain.contracts.lifecycle import Lifecycle
from turnus.services.catalog import price_versions
from turnus.services.catalog.codec import intro_of, prices_of, trial_of
from turnus.services.context import TenantContext
from turnus.services.contracts.storage import items_on as storage_items_on
from turnus.services.customer_prices import price_override_for
from turnus.store.catalog_tables import components


@dataclass(frozen=True)
class Charge:
    kind: str  # setup_fee, trial, recurring_fee, component
    ref_id: str
    description: str
    quantity: Decimal
    period_start: date
    period_end: date | None
    amount: int
    currency: str


def _in(prices: tuple[Price, ...], currency: str) -> Price | None:
    return next((p for p in prices if p.currency == currency), None)


def _catalog_price(
    ctx: TenantContext,
    ref_id: str,
    customer_id: str,
    signed_on: date,
    period_start: date,
    currency: str,
) -> Price | None:
    personal = price_override_for(ctx, customer_id, ref_id, period_start)
    if personal is not None:
        return _in(personal, currency)
    found = price_versions.versions_of(ctx, ref_id)
    if not found:
        return None
    return versions.version_for_period(found, signed_on, period_start).price_in(currency)


def signup_charges(
    ctx: TenantContext,
    contract: dict[str, Any],
    lifecycle: Lifecycle,
    plan: dict[str, Any],
    variant: dict[str, Any],
    items: list[dict[str, Any]],
) -> list[Charge]:
    currency = contract["currency"]
    customer_id = contract["customer_id"]
    signed = contract["concluded_on"]
    charges: list[Charge] = []
    setup = _in(prices_of(plan["setup_fee"]), currency)
    if setup is not None:
        charges.append(
            Charge(
                "setup_fee",
                plan["id"],
                f"Einrichtung {plan['name_de']}",
                Decimal(1),
                lifecycle.start,
                None,
                pricing.amount_for(setup, Decimal(1)),
                currency,
            )
        )
    trial = trial_of(contract["trial"])
    if lifecycle.trial_end is not None and trial is not None:
        trial_price = _in(trial.prices, currency)
        if trial_price is not None:
            charges.append(
                Charge(
                    "trial",
                    plan["id"],
                    f"Testphase {plan['name_de']}",
                    Decimal(1),
                    lifecycle.start,
                    lifecycle.trial_end,
                    pricing.amount_for(trial_price, Decimal(1)),
                    currency,
                )
            )
    if contract["billing_timing"] != "in_advance" or lifecycle.trial_end is not None:
        return charges  # in arrears, or after the trial: billed later, not at signup
    paid_start = lifecycle.paid_start
    period = period_containing(
        contract["billing_anchor"], lifecycle.terms.billing_interval, paid_start
    )
    end = min(period.end, lifecycle.end or period.end)
    days = (end - paid_start).days
    intro = intro_of(contract["intro"])
    fee = _in(intro.prices, currency) if intro is not None else None
    if fee is None:
        fee = _catalog_price(ctx, variant["id"], customer_id, signed, period.start, currency)
    if fee is not None:
        full = pricing.exact_amount(fee, Decimal(1))
        charges.append(
            Charge(
                "recurring_fee",
                variant["id"],
                variant["name_de"],
                Decimal(1),
                paid_start,
                end,
                prorate(full, days, period.days),
                currency,
            )
        )
    for item in items:
        if item["item_type"] != "component" or item["quantity"] == 0:
            continue
        component = ctx.scope.get(components, item["ref_id"], what="component")
        charge_type = ChargeType(component["charge_type"])
        if charge_type is ChargeType.METERED:
            continue
        price = _catalog_price(ctx, component["id"], customer_id, signed, period.start, currency)
        if price is None:
            continue
        full = pricing.exact_amount(price, item["quantity"])
        if charge_type is ChargeType.ONE_TIME:
            amount, until = pricing.amount_for(price, item["quantity"]), None
        elif component["prorate"]:
            amount, until = prorate(full, days, period.days), end
        else:
            amount, until = pricing.amount_for(price, item["quantity"]), end
        charges.append(
            Charge(
                "component",
                component["id"],
                component["name_de"],
                item["quantity"],
                paid_start,
                until,
                amount,
                currency,
            )
        )
    return charges


def quantity_change_charges(
    ctx: TenantContext,
    contract: dict[str, Any],
    lifecycle: Lifecycle,
    component_id: str,
    old: Decimal,
    new: Decimal,
    effective: date,
) -> list[Charge]:
    """The prorated difference for the rest of the running period (positive: a charge,
    negative: a credit). Nothing for usage, one-time or non-prorating components, or when the
    period is billed in arrears - the billing engine settles those."""
    component = ctx.scope.get(components, component_id, what="component")
    if (
        contract["billing_timing"] != "in_advance"
        or not component["prorate"]
        or ChargeType(component["charge_type"]) is not ChargeType.RECURRING
        or lifecycle.in_trial(effective)
    ):
        return []
    period = period_containing(
        contract["billing_anchor"], lifecycle.terms.billing_interval, effective
    )
    end = min(period.end, lifecycle.end or period.end)
    if end <= effective:
        return []
    price = _catalog_price(
        ctx,
        component_id,
        contract["customer_id"],
        contract["concluded_on"],
        period.start,
        contract["currency"],
    )
    if price is None:
        return []
    days = (end - effective).days
    amount = prorate(pricing.exact_amount(price, new), days, period.days) - prorate(
        pricing.exact_amount(price, old), days, period.days
    )
    if amount == 0:
        return []
    return [
        Charge(
            "component_change",
            component_id,
            component["name_de"],
            new - old,
            effective,
            end,
            amount,
            contract["currency"],
        )
    ]


def plan_change_charges(
    ctx: TenantContext,
    contract: dict[str, Any],
    before: Lifecycle,
    after: Lifecycle,
    variant: dict[str, Any],
    effective: date,
) -> list[Charge]:
    """For a fee billed in advance: a credit for the unused days of the old variant's running
    period and a charge for the new variant up to its next period boundary, each prorated over
    the real length of its own period (a yearly period over 365 or 366 days). Nothing during the
    trial, or when the change falls on a period boundary of the old schedule (then there is no
    unused rest)."""
    if contract["billing_timing"] != "in_advance" or before.in_trial(effective):
        return []
    currency = contract["currency"]
    anchor = contract["billing_anchor"]
    charges: list[Charge] = []
    old_period = period_containing(anchor, before.terms.billing_interval, effective)
    if old_period.start != effective:
        old_end = min(old_period.end, before.end or old_period.end)
        old_price = _catalog_price(
            ctx,
            contract["variant_id"],
            contract["customer_id"],
            contract["concluded_on"],
            old_period.start,
            currency,
        )
        if old_price is not None and old_end > effective:
            unused = prorate(
                pricing.exact_amount(old_price, Decimal(1)),
                (old_end - effective).days,
                old_period.days,
            )
            charges.append(
                Charge(
                    "recurring_fee_credit",
                    contract["variant_id"],
                    "Gutschrift bisheriger Tarif",
                    Decimal(-1),
                    effective,
                    old_end,
                    -unused,
                    currency,
                )
            )
    new_period = period_containing(anchor, after.terms.billing_interval, effective)
    new_end = min(new_period.end, after.end or new_period.end)
    new_price = _catalog_price(
        ctx, variant["id"], contract["customer_id"], effective, new_period.start, currency
    )
    if new_price is not None and new_end > effective:
        amount = prorate(
            pricing.exact_amount(new_price, Decimal(1)), (new_end - effective).days, new_period.days
        )
        charges.append(
            Charge(
                "recurring_fee",
                variant["id"],
                variant["name_de"],
                Decimal(1),
                effective,
                new_end,
                amount,
                currency,
            )
        )
    return charges


def one_time_charge_of(
    ctx: TenantContext,
    contract: dict[str, Any],
    component: dict[str, Any],
    quantity: Decimal,
    day: date,
) -> Charge | None:
    price = _catalog_price(
        ctx,
        component["id"],
        contract["customer_id"],
        contract["concluded_on"],
        day,
        contract["currency"],
    )
    if price is None:
        return None
    return Charge(
        "one_time",
        component["id"],
        component["name_de"],
        quantity,
        day,
        None,
        pricing.amount_for(price, quantity),
        contract["currency"],
    )


def withdrawal_compensation(
    ctx: TenantContext, contract: dict[str, Any], lifecycle: Lifecycle, received: date
) -> list[Charge]:
    """Compensation (Wertersatz, §357a BGB) after a withdrawal, when the service started early at
    the customer's request: the fee for the days served until the withdrawal, prorated by days
    per billing period. Nothing for a free trial. Everything billed beyond it is credited by
    billing, which reverses the contract from the start."""
    start = lifecycle.paid_start
    if received <= start:
        return []
    anchor = contract["billing_anchor"]
    interval = lifecycle.terms.billing_interval
    total = 0
    day = start
    while day < received:
        period = period_containing(anchor, interval, day)
        until = min(period.end, received)
        price = _catalog_price(
            ctx,
            contract["variant_id"],
            contract["customer_id"],
            contract["concluded_on"],
            period.start,
            contract["currency"],
        )
        if price is not None:
            total += prorate(
                pricing.exact_amount(price, Decimal(1)), (until - day).days, period.days
            )
        day = until
    return [
        Charge(
            "withdrawal_compensation",
            contract["variant_id"],
            "Wertersatz bis zum Widerruf",
            Decimal(1),
            start,
            received,
            total,
            contract["currency"],
        )
    ]


def cancellation_credit(
    ctx: TenantContext, contract: dict[str, Any], lifecycle: Lifecycle, end: date
) -> list[Charge]:
    """A contract ending inside a billing period paid in advance (an immediate or
    extraordinary cancellation): the unused days of that period are credited - the fee and
    every prorating recurring component, each prorated by days. Nothing when it ends on a
    period boundary, in the trial, or for billing in arrears."""
    if contract["billing_timing"] != "in_advance" or lifecycle.in_trial(end):
        return []
    if end <= lifecycle.paid_start:
        return []
    period = period_containing(contract["billing_anchor"], lifecycle.terms.billing_interval, end)
    if period.start == end:
        return []
    unused = (period.end - end).days
    currency = contract["currency"]
    credits: list[Charge] = []
    fee = _catalog_price(
        ctx,
        contract["variant_id"],
        contract["customer_id"],
        contract["concluded_on"],
        period.start,
        currency,
    )
    if fee is not None:
        credits.append(
            Charge(
                "recurring_fee_credit",
                contract["variant_id"],
                "Gutschrift nicht genutzter Tage",
                Decimal(-1),
                end,
                period.end,
                -prorate(pricing.exact_amount(fee, Decimal(1)), unused, period.days),
                currency,
            )
        )
    last_day = end - timedelta(days=1)
    for item in storage_items_on(ctx, contract["id"], last_day):
        if item["item_type"] != "component":
            continue
        component = ctx.scope.get(components, item["ref_id"], what="component")
        if component["charge_type"] != ChargeType.RECURRING.value or not component["prorate"]:
            continue
        price = _catalog_price(
            ctx,
            component["id"],
            contract["customer_id"],
            contract["concluded_on"],
            period.start,
            currency,
        )
        if price is None:
            continue
        credits.append(
            Charge(
                "component_credit",
                component["id"],
                component["name_de"],
                -item["quantity"],
                end,
                period.end,
                -prorate(pricing.exact_amount(price, item["quantity"]), unused, period.days),
                currency,
            )
        )
    return [c for c in credits if c.amount != 0]
