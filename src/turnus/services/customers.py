"""Customers: people and companies billed by the merchant.

Customers are archived, never deleted: their invoices must stay attributable for the retention
periods of the GoBD. Erasure on request (GDPR Art. 17, after retention) is a later capability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from turnus.domain.customer import (
    Address,
    CustomerKind,
    CustomerProfile,
    TaxStatus,
    checked_vat_id,
    validated_profile,
    vat_id_missing,
)
from turnus.domain.errors import Conflict
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records, tenants
from turnus.services.context import TenantContext
from turnus.store.customer_tables import customer_tags, customers

CUSTOMER = records.Kind(customers, "cus", "customer", "customer")
VAT_CHECK_METHOD = "format_and_check_digits"


def _address_doc(address: Address | None) -> dict[str, Any] | None:
    return None if address is None else asdict(address)


def _address_of(doc: dict[str, Any] | None) -> Address | None:
    return None if doc is None else Address(**doc)


def profile_of(row: dict[str, Any]) -> CustomerProfile:
    billing = _address_of(row["billing_address"])
    assert billing is not None
    return CustomerProfile(
        kind=CustomerKind(row["kind"]),
        email=row["email"],
        billing_address=billing,
        tax_status=TaxStatus(row["tax_status"]),
        locale=row["locale"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        company_name=row["company_name"],
        phone=row["phone"],
        shipping_address=_address_of(row["shipping_address"]),
        vat_id=row["vat_id"],
        tax_exempt=row["tax_exempt"],
        tax_exempt_reason=row["tax_exempt_reason"],
        custom_fields=row["custom_fields"],
        tags=tuple(row["tags"]),
        buyer_reference=row["buyer_reference"],
    )


def _vat_check(ctx: TenantContext, vat_id: str | None) -> dict[str, Any] | None:
    """The stored result of the VAT ID check: format and check digits (python-stdnum). An
    online confirmation (VIES/BZSt) is a later capability and would be recorded here too.
    Invalid IDs never get this far: they are refused (422)."""
    if vat_id is None:
        return None
    checked = checked_vat_id(vat_id, "/vat_id")
    return {
        "valid": True,
        "method": VAT_CHECK_METHOD,
        "country": checked.country,
        "eu": checked.eu,
        "checked_at": ctx.now().isoformat(),
    }


def _values(ctx: TenantContext, profile: CustomerProfile) -> dict[str, Any]:
    profile = validated_profile(profile)
    merchant_country = tenants.get_tenant(ctx.uow, ctx.tenant_id)["country"]
    return {
        "kind": profile.kind.value,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "company_name": profile.company_name,
        "email": profile.email,
        "phone": profile.phone,
        "locale": profile.locale,
        "billing_address": _address_doc(profile.billing_address),
        "shipping_address": _address_doc(profile.shipping_address),
        "tax_status": profile.tax_status.value,
        "vat_id": profile.vat_id,
        "vat_id_check": _vat_check(ctx, profile.vat_id),
        "vat_id_missing": vat_id_missing(profile, merchant_country),
        "tax_exempt": profile.tax_exempt,
        "tax_exempt_reason": profile.tax_exempt_reason,
        "custom_fields": dict(profile.custom_fields or {}),
        "tags": list(profile.tags),
        "buyer_reference": profile.buyer_reference,
    }


def _unique_external_id(
    ctx: TenantContext, external_id: str | None, own_id: str | None = None
) -> None:
    if external_id is None:
        return
    criteria = [customers.c.external_id == external_id]
    if own_id is not None:
        criteria.append(customers.c.id != own_id)
    if ctx.scope.count(customers, *criteria):
        raise Conflict(f"Another customer already has the external id '{external_id}'.")


def _store_tags(ctx: TenantContext, customer_id: str, tags: Sequence[str]) -> None:
    ctx.uow.connection.execute(
        ctx.scope.delete_statement(customer_tags).where(customer_tags.c.customer_id == customer_id)
    )
    ctx.scope.insert_many(customer_tags, [{"customer_id": customer_id, "tag": t} for t in tags])


def create_customer(
    ctx: TenantContext, profile: CustomerProfile, external_id: str | None, notes: str | None
) -> dict[str, Any]:
    """``profile.locale`` empty: the merchant's default locale."""
    if not profile.locale:
        profile = replace(
            profile, locale=tenants.get_tenant(ctx.uow, ctx.tenant_id)["default_locale"]
        )
    values = _values(ctx, profile)
    _unique_external_id(ctx, external_id)
    row = records.create(ctx, CUSTOMER, {**values, "external_id": external_id, "notes": notes})
    _store_tags(ctx, row["id"], row["tags"])
    return row


def update_customer(
    ctx: TenantContext, customer_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """``changes`` holds profile fields (addresses as ``Address``), external_id and notes.
    Ending a tax exemption without naming a reason drops the old reason."""
    current = records.get(ctx, CUSTOMER, customer_id)
    profile_changes = {k: v for k, v in changes.items() if k not in ("external_id", "notes")}
    extra = {k: v for k, v in changes.items() if k in ("external_id", "notes")}
    if profile_changes.get("tax_exempt") is False and "tax_exempt_reason" not in profile_changes:
        profile_changes["tax_exempt_reason"] = None
    values: dict[str, Any] = {}
    if profile_changes:
        values = _values(ctx, replace(profile_of(current), **profile_changes))
        if values["vat_id"] == current["vat_id"]:
            values["vat_id_check"] = current["vat_id_check"]  # unchanged ID: keep its check
    if "external_id" in extra:
        _unique_external_id(ctx, extra["external_id"], customer_id)
    row = records.update(ctx, CUSTOMER, customer_id, {**values, **extra})
    if "tags" in values and values["tags"] != current["tags"]:
        _store_tags(ctx, customer_id, row["tags"])
    return row


def get_customer(ctx: TenantContext, customer_id: str) -> dict[str, Any]:
    return records.get(ctx, CUSTOMER, customer_id)


def require_active(ctx: TenantContext, customer_id: str, pointer: str) -> dict[str, Any]:
    """A customer named in a request body (422 at ``pointer`` if missing or archived)."""
    return records.get_active(ctx, CUSTOMER, customer_id, pointer)


def require_open(ctx: TenantContext, customer_id: str) -> dict[str, Any]:
    """The customer named in the path, locked for the rest of the unit of work: 404 if it does
    not exist (or belongs to another merchant), 409 if it is archived."""
    row = records.get(ctx, CUSTOMER, customer_id, for_update=True)
    if row["archived_at"] is not None:
        raise Conflict(f"Customer '{customer_id}' is archived; nothing new can be granted.")
    return row


def list_customers(
    ctx: TenantContext,
    page: PageRequest,
    *,
    email: str | None = None,
    external_id: str | None = None,
    tag: str | None = None,
    include_archived: bool = False,
) -> Page[dict[str, Any]]:
    criteria = []
    if email is not None:
        criteria.append(customers.c.email == email.strip())
    if external_id is not None:
        criteria.append(customers.c.external_id == external_id)
    if tag is not None:
        tagged = ctx.scope.select(customer_tags, customer_tags.c.customer_id).where(
            customer_tags.c.tag == tag.strip()
        )
        criteria.append(customers.c.id.in_(tagged))
    return records.listing(ctx, CUSTOMER, page, *criteria, include_archived=include_archived)


def archive_customer(ctx: TenantContext, customer_id: str) -> dict[str, Any]:
    return records.archive(ctx, CUSTOMER, customer_id)
