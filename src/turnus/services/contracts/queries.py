"""Reading contracts, their timelines and orders."""

from __future__ import annotations

from typing import Any

from turnus.domain.pagination import Page, PageRequest
from turnus.services.context import TenantContext
from turnus.services.contracts import storage
from turnus.services.contracts.orders import view
from turnus.store.contract_tables import contracts, orders


def get_contract(ctx: TenantContext, contract_id: str) -> dict[str, Any]:
    return view(ctx, storage.get(ctx, contract_id))


def list_contracts(
    ctx: TenantContext, page: PageRequest, customer_id: str | None = None
) -> Page[dict[str, Any]]:
    criteria = [contracts.c.customer_id == customer_id] if customer_id else []
    result = ctx.scope.page(contracts, page, *criteria)
    return Page(data=[view(ctx, row) for row in result.data], has_more=result.has_more)


def contract_timeline(ctx: TenantContext, contract_id: str) -> list[dict[str, Any]]:
    storage.get(ctx, contract_id)
    return storage.timeline(ctx, contract_id)


def get_order(ctx: TenantContext, order_id: str) -> dict[str, Any]:
    return ctx.scope.get(orders, order_id, what="order")
