"""Personal discounts: a percentage or fixed amount a customer gets on targeted charges, with
the same duration and targeting semantics as coupons (and the same stacking rule)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from turnus.domain.catalog import coupons as rules
from turnus.domain.errors import ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit, customers
from turnus.services.catalog.coupons import TARGET_KINDS, check_targets, minor_amounts
from turnus.services.context import TenantContext
from turnus.store.customer_tables import customer_discounts
from turnus.store.ids import new_id

# Personal discounts have no code; the coupon rules validate everything else.
_SYNTHETIC_CODE = "CUSTOMER"


def create_discount(
    ctx: TenantContext,
    customer_id: str,
    values: dict[str, Any],
    amounts: Sequence[tuple[str, Decimal]],
    targets: dict[str, list[str]],
) -> dict[str, Any]:
    customers.require_active(ctx, customer_id, "/customer_id")
    if not (values.get("reason") or "").strip():
        raise ValidationFailed.field("/reason", "say why the customer gets this discount")
    start: date = values.get("valid_from") or ctx.today()
    rule = rules.validate_coupon(
        rules.Coupon(
            id="new",
            code=_SYNTHETIC_CODE,
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
    check_targets(ctx, rule)
    now = ctx.now()
    row = {
        "id": new_id("cdi"),
        "customer_id": customer_id,
        "kind": rule.kind.value,
        "percent": rule.percent,
        "amounts": [{"currency": c, "amount_minor": a} for c, a in rule.amounts],
        "duration": rule.duration.value,
        "duration_periods": rule.duration_periods,
        "targets": {field: sorted(getattr(rule.targets, field)) for field, _ in TARGET_KINDS},
        "valid_from": start,
        "valid_until": rule.valid_until,
        "reason": values["reason"].strip(),
        "created_at": now,
        "updated_at": now,
    }
    ctx.scope.insert(customer_discounts, row)
    audit.record(
        ctx, object_type="customer_discount", object_id=row["id"], action="created", after=row
    )
    return row


def end_discount(
    ctx: TenantContext, customer_id: str, discount_id: str, valid_until: date
) -> dict[str, Any]:
    before = ctx.scope.get(customer_discounts, discount_id, what="customer discount")
    if before["customer_id"] != customer_id:
        raise ValidationFailed.field("/discount_id", "belongs to another customer")
    if valid_until < before["valid_from"]:
        raise ValidationFailed.field("/valid_until", "is before valid_from")
    if before["valid_until"] is not None and valid_until > before["valid_until"]:
        raise ValidationFailed.field(
            "/valid_until", f"can only move earlier than {before['valid_until']}"
        )
    ctx.scope.update(
        customer_discounts, discount_id, {"valid_until": valid_until, "updated_at": ctx.now()}
    )
    after = ctx.scope.get(customer_discounts, discount_id, what="customer discount")
    audit.record(
        ctx,
        object_type="customer_discount",
        object_id=discount_id,
        action="ended",
        before=before,
        after=after,
    )
    return after


def list_discounts(ctx: TenantContext, customer_id: str, page: PageRequest) -> Page[dict[str, Any]]:
    customers.get_customer(ctx, customer_id)
    return ctx.scope.page(customer_discounts, page, customer_discounts.c.customer_id == customer_id)
