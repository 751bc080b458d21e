"""Plan variants: the term-dependent conditions of a plan and its fee per billing period.

A variant offered to consumers by a German merchant is checked against §309 Nr. 9 BGB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from turnus.domain.catalog import terms as terms_rules
from turnus.domain.catalog.model import ContractTerms, Price, PricingModel
from turnus.domain.errors import FieldError, ValidationFailed
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records, tenants
from turnus.services.catalog import price_versions
from turnus.services.catalog.codec import terms_doc, terms_of
from turnus.services.catalog.plans import PLAN
from turnus.services.context import TenantContext
from turnus.store.catalog_tables import plan_variants

VARIANT = records.Kind(plan_variants, "var", "plan_variant", "plan variant")
REFERENCES: tuple[records.Reference, ...] = ()  # contracts add theirs


def flat_fee_only(price: Price, pointer: str) -> list[FieldError]:
    if price.model is not PricingModel.FLAT:
        return [
            FieldError(
                f"{pointer}/model", "a plan variant's price is a flat fee per billing period"
            )
        ]
    return []


def check_terms(ctx: TenantContext, terms: ContractTerms) -> None:
    terms_rules.validate_terms(terms, "")
    if not terms.offered_to_consumers:
        return
    if tenants.get_tenant(ctx.uow, ctx.tenant_id)["country"] != "DE":
        return
    violations = terms_rules.consumer_guard(terms, "")
    if violations:
        raise ValidationFailed(
            "The terms are not allowed for consumers in Germany (§309 Nr. 9 BGB). Offer the "
            "variant to businesses only (offered_to_consumers: false) or change the terms.",
            violations,
        )


def create_variant(
    ctx: TenantContext,
    values: dict[str, Any],
    terms: ContractTerms,
    prices: Sequence[Price],
    effective_from: date | None = None,
) -> dict[str, Any]:
    records.get_active(ctx, PLAN, values["plan_id"], "/plan_id")
    check_terms(ctx, terms)
    price_versions.check_prices(prices, "/prices", flat_fee_only)
    row = records.create(ctx, VARIANT, {**values, **terms_doc(terms)})
    price_versions.add_version(
        ctx,
        owner_type=VARIANT.object_type,
        owner_id=row["id"],
        prices=prices,
        effective_from=effective_from,
        rule=flat_fee_only,
        initial=True,
    )
    return row


def update_variant(
    ctx: TenantContext, variant_id: str, changes: dict[str, Any], term_changes: dict[str, Any]
) -> dict[str, Any]:
    """Names, flags and terms can change; contracts keep the terms they were signed with."""
    if term_changes:
        current = records.get(ctx, VARIANT, variant_id)
        terms = replace(terms_of(current), **term_changes)
        check_terms(ctx, terms)
        changes = {**changes, **terms_doc(terms)}
    return records.update(ctx, VARIANT, variant_id, changes)


def get_variant(ctx: TenantContext, variant_id: str) -> dict[str, Any]:
    return records.get(ctx, VARIANT, variant_id)


def list_variants(
    ctx: TenantContext,
    page: PageRequest,
    plan_id: str | None = None,
    *,
    include_archived: bool = False,
) -> Page[dict[str, Any]]:
    criteria = [plan_variants.c.plan_id == plan_id] if plan_id else []
    return records.listing(ctx, VARIANT, page, *criteria, include_archived=include_archived)


def archive_variant(ctx: TenantContext, variant_id: str) -> dict[str, Any]:
    return records.archive(ctx, VARIANT, variant_id)


def delete_variant(ctx: TenantContext, variant_id: str) -> None:
    records.delete(ctx, VARIANT, variant_id, REFERENCES)


def add_price_version(
    ctx: TenantContext,
    variant_id: str,
    prices: Sequence[Price],
    effective_from: date | None,
    migrate_existing: bool,
    note: str | None,
) -> dict[str, Any]:
    return price_versions.add_for(
        ctx, VARIANT, variant_id, prices, effective_from, migrate_existing, note, flat_fee_only
    )
