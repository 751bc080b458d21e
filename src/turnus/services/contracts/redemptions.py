"""Redeeming a coupon for a contract: the code is checked (validity, limits, currency,
targets) and the redemption counted under a row lock, so concurrent signups can never exceed a
coupon's limit."""

from __future__ import annotations

from collections.abc import Sequence

from turnus.domain.catalog import coupons as rules
from turnus.domain.errors import TurnusError, ValidationFailed
from turnus.services import audit
from turnus.services.catalog.coupons import coupon_of, find_by_code
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import coupons
from turnus.store.contract_tables import coupon_redemptions
from turnus.store.ids import new_id


def redeem(
    ctx: TenantContext,
    code: str,
    *,
    customer_id: str,
    contract_id: str,
    currency: str,
    charge_keys: Sequence[rules.ChargeKey],
) -> rules.Coupon:
    try:
        found = find_by_code(ctx, code)
    except TurnusError:
        found = None
    if found is None:
        raise ValidationFailed.field("/coupon_code", f"no coupon with the code '{code}' exists")
    row = ctx.scope.get(coupons, found["id"], what="coupon", for_update=True)
    coupon = coupon_of(row)
    used_by_customer = ctx.scope.count(
        coupon_redemptions,
        coupon_redemptions.c.coupon_id == row["id"],
        coupon_redemptions.c.customer_id == customer_id,
    )
    rules.check_redeemable(
        coupon,
        today=ctx.today(),
        currency=currency,
        total_redemptions=row["redemptions"],
        customer_redemptions=used_by_customer,
        charge_keys=charge_keys,
    )
    redemption = {
        "id": new_id("red"),
        "coupon_id": row["id"],
        "customer_id": customer_id,
        "contract_id": contract_id,
        "redeemed_at": ctx.now(),
    }
    ctx.scope.insert(coupon_redemptions, redemption)
    ctx.scope.update(coupons, row["id"], {"redemptions": row["redemptions"] + 1})
    audit.record(
        ctx,
        object_type="coupon",
        object_id=row["id"],
        action="redeemed",
        before={"redemptions": row["redemptions"]},
        after={"redemptions": row["redemptions"] + 1, "contract_id": contract_id},
    )
    return coupon
