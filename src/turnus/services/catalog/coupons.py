"""Coupons: discount definitions customers redeem by code (case-insensitive)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from turnus.domain.catalog import coupons as rules
from turnus.domain.errors import Conflict, FieldError, ValidationFailed
from turnus.domain.money import exact_minor_units, is_iso_currency, to_major_units
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records
from turnus.services.catalog.codec import dec
from turnus.services.catalog.components import COMPONENT
from turnus.services.catalog.plans import PLAN
from turnus.services.catalog.variants import VARIANT
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import coupons

COUPON = records.Kind(coupons, "cpn", "coupon", "coupon")
TARGET_KINDS = (("plan_ids", PLAN), ("variant_ids", VARIANT), ("component_ids", COMPONENT))


def minor_amounts(amounts: Sequence[tuple[str, Decimal]]) -> tuple[tuple[str, int], ...]:
    """Fixed amounts per currency (major units) as exact minor units; every bad one named."""
    result = []
    errors: list[FieldError] = []
    for index, (currency, amount) in enumerate(amounts):
        if not is_iso_currency(currency):
            errors.append(
                FieldError(
                    f"/amounts/{index}/currency", f"'{currency}' is not an ISO 4217 currency code"
                )
            )
            continue
        try:
            result.append(
                (currency, exact_minor_units(amount, currency, f"/amounts/{index}/amount"))
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed("The coupon amounts are not valid.", errors)
    return tuple(result)


def coupon_of(row: dict[str, Any]) -> rules.Coupon:
    targets = row["targets"]
    return rules.Coupon(
        id=row["id"],
        code=row["code"],
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
        max_redemptions=row["max_redemptions"],
        max_redemptions_per_customer=row["max_redemptions_per_customer"],
        active=row["archived_at"] is None,
    )


def present(row: dict[str, Any]) -> dict[str, Any]:
    """The stored row with amounts in major units, as the API shows them."""
    return {
        **row,
        "amounts": [
            {
                "currency": a["currency"],
                "amount": dec(to_major_units(a["amount_minor"], a["currency"])),
            }
            for a in row["amounts"]
        ],
        "percent": dec(row["percent"]),
    }


def check_targets(ctx: TenantContext, coupon: rules.Coupon) -> None:
    errors: list[FieldError] = []
    for field, kind in TARGET_KINDS:
        for index, object_id in enumerate(sorted(getattr(coupon.targets, field))):
            if ctx.scope.find(kind.table, object_id) is None:
                errors.append(
                    FieldError(
                        f"/targets/{field}/{index}", f"no {kind.label} with id '{object_id}' exists"
                    )
                )
    if errors:
        raise ValidationFailed("The coupon targets are not valid.", errors)


def _row(coupon: rules.Coupon, name: str) -> dict[str, Any]:
    return {
        "code": coupon.code,
        "name": name,
        "kind": coupon.kind.value,
        "percent": coupon.percent,
        "amounts": [{"currency": c, "amount_minor": a} for c, a in coupon.amounts],
        "duration": coupon.duration.value,
        "duration_periods": coupon.duration_periods,
        "targets": {field: sorted(getattr(coupon.targets, field)) for field, _ in TARGET_KINDS},
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
        "max_redemptions": coupon.max_redemptions,
        "max_redemptions_per_customer": coupon.max_redemptions_per_customer,
    }


def create_coupon(
    ctx: TenantContext,
    values: dict[str, Any],
    amounts: Sequence[tuple[str, Decimal]],
    targets: dict[str, list[str]],
) -> dict[str, Any]:
    coupon = rules.validate_coupon(
        rules.Coupon(
            id="new",
            code=values["code"],
            kind=rules.DiscountKind(values["kind"]),
            percent=values.get("percent"),
            amounts=minor_amounts(amounts),
            duration=rules.DiscountDuration(values["duration"]),
            duration_periods=values.get("duration_periods"),
            targets=rules.CouponTargets(**{k: frozenset(v) for k, v in targets.items()}),
            valid_from=values.get("valid_from"),
            valid_until=values.get("valid_until"),
            max_redemptions=values.get("max_redemptions"),
            max_redemptions_per_customer=values.get("max_redemptions_per_customer"),
        )
    )
    check_targets(ctx, coupon)
    if find_by_code(ctx, coupon.code) is not None:
        raise Conflict(f"A coupon with the code '{coupon.code}' already exists.")
    return records.create(ctx, COUPON, {**_row(coupon, values["name"]), "redemptions": 0})


def find_by_code(ctx: TenantContext, code: str) -> dict[str, Any] | None:
    normalized = rules.normalize_code(code)
    return ctx.scope.first(ctx.scope.select(coupons).where(coupons.c.code == normalized))


def get_coupon(ctx: TenantContext, coupon_id: str) -> dict[str, Any]:
    return records.get(ctx, COUPON, coupon_id)


def list_coupons(
    ctx: TenantContext, page: PageRequest, *, include_archived: bool = False
) -> Page[dict[str, Any]]:
    return records.listing(ctx, COUPON, page, include_archived=include_archived)


def update_coupon(ctx: TenantContext, coupon_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Only the name, the end of validity and the limits change; what a coupon grants is
    fixed once it exists (redeemed discounts must stay what the customer was promised)."""
    current = coupon_of(records.get(ctx, COUPON, coupon_id))
    merged = rules.Coupon(
        **{**current.__dict__, **{k: v for k, v in changes.items() if k != "name"}}
    )
    rules.validate_coupon(merged)
    return records.update(ctx, COUPON, coupon_id, changes)


def archive_coupon(ctx: TenantContext, coupon_id: str) -> dict[str, Any]:
    return records.archive(ctx, COUPON, coupon_id)


def redeemable_today(ctx: TenantContext, coupon_id: str) -> bool:
    row = records.get(ctx, COUPON, coupon_id)
    coupon = coupon_of(row)
    today: date = ctx.today()
    return (
        coupon.active
        and (coupon.valid_from is None or coupon.valid_from <= today)
        and (coupon.valid_until is None or today <= coupon.valid_until)
        and (coupon.max_redemptions is None or row["redemptions"] < coupon.max_redemptions)
    )
