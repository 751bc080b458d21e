"""Customers: people and companies billed by the merchant."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from turnus.domain.customer import (
    Address,
    CustomerKind,
    CustomerProfile,
    TaxStatus,
    validated_profile,
)
from turnus.domain.errors import Conflict
from turnus.domain.identity import EU_MEMBER_STATES
from turnus.domain.pagination import Page, PageRequest
from turnus.services import records, tenants
from turnus.services.context import TenantContext
from turnus.store.customer_tables import customers

CUSTOMER = records.Kind(customers, "cus", "customer", "customer")
PROFILE_FIELDS = tuple(CustomerProfile.__dataclass_fields__)


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
    )


def _vat_check(ctx: TenantContext, profile: CustomerProfile) -> dict[str, Any] | None:
    """The stored result of the VAT ID check: format and check digits (python-stdnum). An
    online confirmation (VIES/BZSt) is a later capability and would be recorded here too."""
    if profile.vat_id is None:
        return None
    country = "GR" if profile.vat_id.startswith("EL") else profile.vat_id[:2]
    return {
        "valid": True,
        "method": "format_and_check_digits",
        "country": country,
        "eu": country in EU_MEMBER_STATES,
        "checked_at": ctx.now().isoformat(),
    }


def _values(ctx: TenantContext, profile: CustomerProfile) -> dict[str, Any]:
    profile = validated_profile(profile)
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
        "vat_id_check": _vat_check(ctx, profile),
        "tax_exempt": profile.tax_exempt,
        "tax_exempt_reason": profile.tax_exempt_reason,
        "custom_fields": dict(profile.custom_fields or {}),
        "tags": list(profile.tags),
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


def create_customer(
    ctx: TenantContext, profile: CustomerProfile, external_id: str | None, notes: str | None
) -> dict[str, Any]:
    if not profile.locale:
        profile = replace(
            profile, locale=tenants.get_tenant(ctx.uow, ctx.tenant_id)["default_locale"]
        )
    values = _values(ctx, profile)
    _unique_external_id(ctx, external_id)
    return records.create(ctx, CUSTOMER, {**values, "external_id": external_id, "notes": notes})


def update_customer(
    ctx: TenantContext, customer_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """``changes`` holds profile fields (addresses as ``Address``), external_id and notes."""
    current = records.get(ctx, CUSTOMER, customer_id)
    extra = {k: changes.pop(k) for k in ("external_id", "notes") if k in changes}
    values = _values(ctx, replace(profile_of(current), **changes)) if changes else {}
    if "vat_id_check" in values and values["vat_id"] == current["vat_id"]:
        values["vat_id_check"] = current["vat_id_check"]  # unchanged ID: keep the first check
    if "external_id" in extra:
        _unique_external_id(ctx, extra["external_id"], customer_id)
    return records.update(ctx, CUSTOMER, customer_id, {**values, **extra})


def get_customer(ctx: TenantContext, customer_id: str) -> dict[str, Any]:
    return records.get(ctx, CUSTOMER, customer_id)


def require_active(ctx: TenantContext, customer_id: str, pointer: str) -> dict[str, Any]:
    return records.get_active(ctx, CUSTOMER, customer_id, pointer)


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
    if tag is None:
        return records.listing(ctx, CUSTOMER, page, *criteria, include_archived=include_archived)
    # Tags live in a JSON list; filter in pages so the same code serves SQLite and PostgreSQL.
    found: list[dict[str, Any]] = []
    cursor = page.starting_after
    while len(found) <= page.limit:
        batch = records.listing(
            ctx, CUSTOMER, PageRequest(100, cursor), *criteria, include_archived=include_archived
        )
        found.extend(row for row in batch.data if tag in row["tags"])
        if not batch.has_more:
            break
        cursor = batch.data[-1]["id"]
    return Page(data=found[: page.limit], has_more=len(found) > page.limit)


def archive_customer(ctx: TenantContext, customer_id: str) -> dict[str, Any]:
    return records.archive(ctx, CUSTOMER, customer_id)
