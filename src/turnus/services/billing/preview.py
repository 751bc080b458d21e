"""What an order changes in billing, computed by the billing engine: the contract's expected
lines before and after the order, compared (``reconcile.order_effect``). An order preview and
its commit run the same code, so the preview shows exactly what the next billing run adds."""

from __future__ import annotations

from datetime import date
from typing import Any

from turnus.domain.billing.engine import expected_lines
from turnus.domain.billing.model import ContractBilling, NewItem
from turnus.domain.billing.reconcile import order_effect
from turnus.services.billing.loader import Catalog, load_batch
from turnus.services.context import TenantContext
from turnus.store.contract_tables import contracts


def snapshot(ctx: TenantContext, contract_id: str) -> ContractBilling | None:
    """The contract as the engine sees it now (None if there is no such contract)."""
    row = ctx.scope.find(contracts, contract_id)
    if row is None:
        return None
    return load_batch(ctx, Catalog.load(ctx), [row]).contracts[0]


def effect(
    ctx: TenantContext,
    before: ContractBilling | None,
    after: ContractBilling,
    effective: date,
) -> list[NewItem]:
    today = ctx.today()
    horizon = max(today, effective)
    old = expected_lines(before, horizon).lines if before is not None else ()
    new = expected_lines(after, horizon).lines
    return order_effect(old, new, today=today, effective=effective)


def charge_doc(item: NewItem, currency: str) -> dict[str, Any]:
    return {
        "kind": item.key.kind.value,
        "ref_id": item.key.ref_id,
        "description": item.description,
        "quantity": item.quantity,
        "period_start": item.service_from,
        "period_end": item.service_until,
        "amount": item.amount,
        "currency": currency,
        "correction": item.correction,
    }
