"""Personal discounts: a percentage or a fixed amount per currency that one customer gets on the
targeted charges, with the same duration and targeting semantics as coupons (and the same
stacking rule). They have no code; the coupon rules validate everything else, so a personal
discount is exactly a coupon the merchant redeemed for the customer, with a reason.

Like personal prices they never start in the past and never end before yesterday."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_

from turnus.domain.catalog import coupons as rules
from turnus.domain.errors import NotFound, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit, customers, records
from turnus.services.catalog.coupons import TARGET_KINDS, check_targets, minor_amounts
from turnus.services.context import TenantContext
from turnus.services.customer_prices import check_end
from turnus.store.customer_tables import customer_discounts
from turnus.store.ids import new_id

# Personal discounts have no code; a synthetic one satisfies the coupon rules.
SYNTHETIC_CODE = "CUSTOMER"
OBJECT_TYPE = "customer_discount"


def create_discount(
    ctx: TenantContext,
    customer_id: str,
    values: dict[str, Any],
    amounts: Sequence[tuple[str, Decimal]],
    targets: dict[str, list[str]],
) -> dict[str, Any]:
    """``values``: kind, percent, duration, duration_periods, valid_from, valid_until, reason.
    ``amounts``: (currency, major-unit amount) pairs; ``targets``: plan_ids, variant_ids,
    component_ids (all empty: every charge)."""
    customers.require_open(ctx, customer_id)
    reason = (values.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed.field("/reason", "say why the customer gets this discount")
    today = ctx.today()
    start: date = values.get("valid_from") or today
    if start < today:
        raise ValidationFailed.field(
            "/valid_from", f"a personal discount cannot start in the past (today is {today})"
        )
    discount = rules.validate_coupon(
        rules.Coupon(
            id="new",
            code=SYNTHETIC_CODE,
            kind=rules.DiscountKind(values["kind"]),
            percent=values.get("percent"),
            amounts=minor_amounts(amounts),
            duration=rules.DiscountDuration(values["duration"]),
            duration_periods=values.get("duration_periods"),
            targets=rules.CouponTargets(**{k: frozenset(v) for k, v in targets.items()}),
            valid_from=start,
            valid_until=values.get("valid_until"),
        )
    )
    check_targets(ctx, discount)
    now = ctx.now()
    new = new_id("cdi")
    row = {
        "id": new,
        "customer_id": customer_id,
        "kind": discount.kind.value,
        "percent": discount.percent,
        "amounts": [{"currency": c, "amount_minor": a} for c, a in discount.amounts],
        "duration": discount.duration.value,
        "duration_periods": discount.duration_periods,
        "targets": {field: sorted(getattr(discount.targets, field)) for field, _ in TARGET_KINDS},
        "valid_from": start,
        "valid_until": discount.valid_until,
        "reason": reason,
        "created_at": now,
        "updated_at": now,
    }
    ctx.scope.insert(customer_discounts, row)
    created = _own(ctx, customer_id, new)
    audit.record(ctx, object_type=OBJECT_TYPE, object_id=new, action="created", after=created)
    return created


def end_discount(
    ctx: TenantContext, customer_id: str, discount_id: str, valid_until: date
) -> dict[str, Any]:
    records.get(ctx, customers.CUSTOMER, customer_id, for_update=True)  # 404; serialises ends
    before = _own(ctx, customer_id, discount_id)
    check_end(before, valid_until, ctx.today())
    ctx.scope.update(
        customer_discounts, discount_id, {"valid_until": valid_until, "updated_at": ctx.now()}
    )
    after = _own(ctx, customer_id, discount_id)
    audit.record(
        ctx,
        object_type=OBJECT_TYPE,
        object_id=discount_id,
        action="ended",
        before=before,
        after=after,
    )
    return after


def _own(ctx: TenantContext, customer_id: str, discount_id: str) -> dict[str, Any]:
    row = ctx.scope.find(customer_discounts, discount_id)
    if row is None or row["customer_id"] != customer_id:
        raise NotFound(
            f"Customer '{customer_id}' has no personal discount with id '{discount_id}'."
        )
    return row


def list_discounts(ctx: TenantContext, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
    customers.get_customer(ctx, customer_id)
    return ctx.scope.page(customer_discounts, page, customer_discounts.c.customer_id == customer_id)


def discount_of(row: dict[str, Any]) -> rules.Coupon:
    """A stored personal discount as the coupon rules (and the billing engine) see it."""
    targets = row["targets"]
    return rules.Coupon(
        id=row["id"],
        code=SYNTHETIC_CODE,
        kind=rules.DiscountKind(row["kind"]),
        percent=row["percent"],
        amounts=tuple((a["currency"], int(a["amount_minor"])) for a in row["amounts"]),
        duration=rules.DiscountDuration(row["duration"]),
        duration_periods=row["duration_periods"],
        targets=rules.CouponTargets(
            plan_ids=frozenset(targets.get("plan_ids", ())),
            variant_ids=frozenset(targets.get("variant_ids", ())),
            component_ids=frozenset(targets.get("component_ids", ())),
        ),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
    )


def discounts_on(ctx: TenantContext, customer_id: str, on: date) -> list[rules.Coupon]:
    """The customer's personal discounts whose window contains ``on`` (ends inclusive), oldest
    first."""
    table = customer_discounts.c
    statement = (
        ctx.scope.select(customer_discounts)
        .where(
            table.customer_id == customer_id,
            table.valid_from <= on,
            or_(table.valid_until.is_(None), table.valid_until >= on),
        )
        .order_by(table.id)
    )
    return [discount_of(row) for row in ctx.scope.rows(statement)]
