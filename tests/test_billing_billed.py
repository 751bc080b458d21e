"""What the billing run reads as billed before (``run.billed_for``): per contract and key, the
sum of its items (in the catalog's price mode where an item records it) and its latest item."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from tests.conftest import TEST_ACTOR, Merchant
from turnus.domain.billing.model import Billed, LineKey, LineKind, Taxable
from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.services.billing.run import billed_for
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock
from turnus.store.billing_tables import invoice_items

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def item(number: int, contract_id: str, kind: str, seq: int, amount: int, **more: Any) -> dict:
    return {
        "id": f"ili_{number}",
        "invoice_id": f"inv_{number}",
        "position": 1,
        "contract_id": contract_id,
        "kind": kind,
        "ref_id": "var_basic",
        "period_start": MARCH,
        "seq": seq,
        "description": f"line {number}",
        "quantity": Decimal(1),
        "amount": amount,
        "tax_category": "standard",
        "tax_treatment": "domestic",
        "tax_rate": Decimal(19),
        "service_from": MARCH,
        "service_until": APRIL,
        "data": {"correction": seq > 1},
        **more,
    }


def test_items_of_a_key_are_summed_and_the_latest_describes_them(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    rows = [
        # a fee billed gross (its catalog amount is net) and corrected twice
        item(1, "con_a", "fee", 1, 1190, data={"catalog_amount": 1000, "correction": False}),
        item(2, "con_a", "fee", 2, -595, data={"catalog_amount": -500, "correction": True}),
        item(3, "con_a", "fee", 3, 238, description="again", tax_category="reduced"),
        # another key of the same contract, and another contract
        item(4, "con_a", "component", 1, 250, quantity=Decimal("2.5")),
        item(5, "con_b", "fee", 1, 990),
    ]
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(
            uow=uow, tenant_id=merchant.tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock
        )
        ctx.scope.insert_many(invoice_items, rows)
        billed = billed_for(ctx, ["con_a", "con_b", "con_none"])
        uow.rollback()
    standard = Taxable(TaxCategory.STANDARD, ProductKind.SERVICE)
    fee = LineKey(LineKind.FEE, "var_basic", MARCH)
    component = LineKey(LineKind.COMPONENT, "var_basic", MARCH)
    # (keys whose first items share a sequence number come in no particular order)
    by_key = {contract: {b.key: b for b in found} for contract, found in billed.items()}
    assert by_key == {
        "con_a": {
            fee: Billed(
                key=fee,
                amount=1000 - 500 + 238,
                last_seq=3,
                description="again",
                service_from=MARCH,
                service_until=APRIL,
                quantity=Decimal(1),
                tax=Taxable(TaxCategory.REDUCED, ProductKind.SERVICE),
            ),
            component: Billed(
                key=component,
                amount=250,
                last_seq=1,
                description="line 4",
                service_from=MARCH,
                service_until=APRIL,
                quantity=Decimal("2.5"),
                tax=standard,
            ),
        },
        "con_b": {
            fee: Billed(
                key=fee,
                amount=990,
                last_seq=1,
                description="line 5",
                service_from=MARCH,
                service_until=APRIL,
                quantity=Decimal(1),
                tax=standard,
            )
        },
    }


def test_settled_periods_are_not_read(
    merchant: Merchant, engine: Engine, wall_clock: FixedWallClock
) -> None:
    """With ``since``, a contract's items of periods before its day are left out; contracts
    without a day are read in full."""
    rows = [
        item(1, "con_a", "fee", 1, 1000),
        item(2, "con_a", "fee", 1, 1000, period_start=APRIL),
        item(3, "con_b", "fee", 1, 990),
    ]
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(
            uow=uow, tenant_id=merchant.tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock
        )
        ctx.scope.insert_many(invoice_items, rows)
        billed = billed_for(ctx, ["con_a", "con_b"], since={"con_a": APRIL})
        uow.rollback()
    assert {c: [b.key.period_start for b in found] for c, found in billed.items()} == {
        "con_a": [APRIL],
        "con_b": [MARCH],
    }
