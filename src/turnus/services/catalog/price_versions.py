"""Price versions of plan variants (the recurring fee) and components.

A price change is a new version with an effective date. Contracts keep the version in effect
when they were signed (grandfathered) unless a version is marked ``migrate_existing``, which
then applies from each contract's first period start on or after its effective date (see
``turnus.domain.catalog.versions``). Versions are never edited or deleted, and never take effect
in the past: a backdated price would silently change periods that may already be billed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func

from turnus.domain.catalog import pricing, versions
from turnus.domain.catalog.model import Price, PriceVersion
from turnus.domain.errors import Conflict, FieldError, TurnusError, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import audit, records
from turnus.services.catalog.codec import prices_doc, version_of
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import price_versions
from turnus.store.ids import new_id

PriceRule = Callable[[Price, str], list[FieldError]]


def check_prices(prices: Sequence[Price], pointer: str, rule: PriceRule | None = None) -> None:
    """Validate a list of per-currency prices; one error per problem, all at once."""
    errors: list[FieldError] = []
    if not prices:
        errors.append(FieldError(pointer, "at least one price is required"))
    seen: set[str] = set()
    for index, price in enumerate(prices):
        where = f"{pointer}/{index}"
        try:
            pricing.validate_price(price, where)
        except TurnusError as exc:
            errors.extend(exc.errors)
        if price.currency in seen:
            errors.append(FieldError(f"{where}/currency", f"{price.currency} is listed twice"))
        seen.add(price.currency)
        if rule is not None:
            errors.extend(rule(price, where))
    if errors:
        raise ValidationFailed("The prices are not valid.", errors)


def rows_of(ctx: TenantContext, owner_id: str) -> list[dict[str, Any]]:
    statement = (
        ctx.scope.select(price_versions)
        .where(price_versions.c.owner_id == owner_id)
        .order_by(price_versions.c.effective_from, price_versions.c.sequence)
    )
    return ctx.scope.rows(statement)


def versions_of(ctx: TenantContext, owner_id: str) -> list[PriceVersion]:
    return [version_of(row) for row in rows_of(ctx, owner_id)]


def add_version(
    ctx: TenantContext,
    *,
    owner_type: str,
    owner_id: str,
    prices: Sequence[Price],
    effective_from: date | None,
    migrate_existing: bool = False,
    note: str | None = None,
    rule: PriceRule | None = None,
    initial: bool = False,
) -> dict[str, Any]:
    check_prices(prices, "/prices", rule)
    today = ctx.today()
    effective = effective_from or today
    if not initial and effective < today:
        raise ValidationFailed.field(
            "/effective_from",
            f"a price change cannot take effect in the past (today is {today.isoformat()})",
        )
    existing = versions_of(ctx, owner_id)
    sequence_statement = ctx.scope.select(
        price_versions, func.coalesce(func.max(price_versions.c.sequence), -1)
    ).where(price_versions.c.owner_id == owner_id, price_versions.c.effective_from == effective)
    sequence = int(ctx.uow.connection.execute(sequence_statement).scalar_one()) + 1
    candidate = PriceVersion(
        id=new_id("prv"),
        effective_from=effective,
        prices=tuple(prices),
        migrate_existing=migrate_existing,
        sequence=sequence,
    )
    versions.validate_versions([*existing, candidate], "/versions")
    row = {
        "id": candidate.id,
        "owner_type": owner_type,
        "owner_id": owner_id,
        "effective_from": effective,
        "sequence": sequence,
        "migrate_existing": migrate_existing,
        "prices": prices_doc(prices),
        "note": note,
        "created_at": ctx.now(),
    }
    ctx.scope.insert(price_versions, row)
    audit.record(
        ctx, object_type="price_version", object_id=candidate.id, action="created", after=row
    )
    return row


def add_for(
    ctx: TenantContext,
    kind: records.Kind,
    owner_id: str,
    prices: Sequence[Price],
    effective_from: date | None,
    migrate_existing: bool,
    note: str | None,
    rule: PriceRule | None = None,
) -> dict[str, Any]:
    """A price change of an existing variant or component (locked while it is added)."""
    owner = records.get(ctx, kind, owner_id, for_update=True)
    if owner["archived_at"] is not None:
        raise Conflict(f"{kind.label.capitalize()} '{owner_id}' is archived; its prices are final.")
    return add_version(
        ctx,
        owner_type=kind.object_type,
        owner_id=owner_id,
        prices=prices,
        effective_from=effective_from,
        migrate_existing=migrate_existing,
        note=note,
        rule=rule,
    )


def list_versions(ctx: TenantContext, owner_id: str, page: PageRequest) -> Page[dict[str, Any]]:
    return ctx.scope.page(price_versions, page, price_versions.c.owner_id == owner_id)


def current_version(ctx: TenantContext, owner_id: str, on: date) -> PriceVersion | None:
    """The version a contract signed on ``on`` would get."""
    found = versions_of(ctx, owner_id)
    return versions.signup_version(found, on) if found else None


def current_prices(ctx: TenantContext, owner_id: str) -> list[dict[str, Any]]:
    """The prices, as documents, that a contract signed today would get."""
    version = current_version(ctx, owner_id, ctx.today())
    return [] if version is None else prices_doc(version.prices)


def currencies_of(ctx: TenantContext, owner_id: str) -> set[str]:
    statement = ctx.scope.select(price_versions, price_versions.c.prices).where(
        price_versions.c.owner_id == owner_id
    )
    row = ctx.uow.connection.execute(statement.limit(1)).first()
    return {p["currency"] for p in row[0]} if row else set()
