"""The merchant's billing settings: defaults until changed, every change audited."""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from typing import Any

from turnus.domain.billing.settings import BillingSettings, NegativeInvoices, validated
from turnus.services import audit
from turnus.services.context import TenantContext
from turnus.store.billing_tables import billing_settings

_FIELDS = tuple(f.name for f in fields(BillingSettings))


def _of(row: dict[str, Any] | None) -> BillingSettings:
    if row is None:
        return BillingSettings()
    values = {name: row[name] for name in _FIELDS}
    values["negative_invoices"] = NegativeInvoices(values["negative_invoices"])
    return BillingSettings(**values)


def _row(ctx: TenantContext) -> dict[str, Any] | None:
    return ctx.scope.first(ctx.scope.select(billing_settings))


def get(ctx: TenantContext) -> BillingSettings:
    return _of(_row(ctx))


def as_dict(settings: BillingSettings) -> dict[str, Any]:
    values = asdict(settings)
    values["negative_invoices"] = settings.negative_invoices.value
    return values


def update(ctx: TenantContext, changes: dict[str, Any]) -> BillingSettings:
    existing = _row(ctx)
    before = _of(existing)
    if "negative_invoices" in changes:
        changes = {**changes, "negative_invoices": NegativeInvoices(changes["negative_invoices"])}
    after = validated(replace(before, **changes))
    values = {**as_dict(after), "updated_at": ctx.now()}
    if existing is None:
        ctx.scope.insert(billing_settings, values)
    else:
        ctx.uow.connection.execute(ctx.scope.update_statement(billing_settings).values(**values))
    audit.record(
        ctx,
        object_type="billing_settings",
        object_id=ctx.tenant_id,
        action="updated",
        before=as_dict(before),
        after=as_dict(after),
    )
    return after
