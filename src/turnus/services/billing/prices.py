"""The price a contract pays for one priced item in a period: the customer's personal price,
else the catalog's price version for the period (grandfathering rules of
``turnus.domain.catalog.versions``)."""

from __future__ import annotations

from datetime import date

from turnus.domain.catalog import versions
from turnus.domain.catalog.model import Price
from turnus.services.catalog import price_versions
from turnus.services.context import TenantContext
from turnus.services.customer_prices import price_override_for


def catalog_price(
    ctx: TenantContext,
    ref_id: str,
    customer_id: str,
    signed_on: date,
    period_start: date,
    currency: str,
) -> Price | None:
    personal = price_override_for(ctx, customer_id, ref_id, period_start)
    if personal is not None:
        return next((p for p in personal if p.currency == currency), None)
    found = price_versions.versions_of(ctx, ref_id)
    if not found:
        return None
    return versions.version_for_period(found, signed_on, period_start).price_in(currency)
