"""The price-version endpoints, shared by plan variants and components."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter

from turnus.api.catalog_schemas import PriceVersionIn, PriceVersionOut, domain_prices
from turnus.api.deps import Context, Pagination
from turnus.api.schemas import ListOf, problem_responses
from turnus.domain.catalog.model import Price
from turnus.services.catalog import price_versions
from turnus.services.context import TenantContext

AddVersion = Callable[
    [TenantContext, str, Sequence[Price], date | None, bool, str | None], dict[str, Any]
]
GetOwner = Callable[[TenantContext, str], dict[str, Any]]


def add_price_version_routes(
    router: APIRouter, *, label: str, add: AddVersion, get_owner: GetOwner, add_summary: str
) -> None:
    @router.post(
        "/{owner_id}/price_versions",
        status_code=201,
        response_model=PriceVersionOut,
        summary=add_summary,
        responses=problem_responses(404, 409),
    )
    def add_price_version(owner_id: str, body: PriceVersionIn, ctx: Context) -> PriceVersionOut:
        row = add(
            ctx,
            owner_id,
            domain_prices(body.prices),
            body.effective_from,
            body.migrate_existing,
            body.note,
        )
        return PriceVersionOut.model_validate(row)

    @router.get(
        "/{owner_id}/price_versions",
        response_model=ListOf[PriceVersionOut],
        summary=f"List a {label}'s price versions (newest first)",
        responses=problem_responses(404),
    )
    def list_price_versions(
        owner_id: str, ctx: Context, page: Pagination
    ) -> ListOf[PriceVersionOut]:
        get_owner(ctx, owner_id)
        result = price_versions.list_versions(ctx, owner_id, page)
        return ListOf[PriceVersionOut](
            data=[PriceVersionOut.model_validate(r) for r in result.data],
            has_more=result.has_more,
        )
