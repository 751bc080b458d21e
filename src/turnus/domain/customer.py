"""Customers: who is billed, where, and under which tax status (pure validation)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from turnus.domain import identity
from turnus.domain.errors import FieldError, TurnusError, ValidationFailed

MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_KEY = 40
MAX_CUSTOM_VALUE = 500
MAX_TAGS = 30
MAX_TAG = 40

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")
_POSTCODE_DE = re.compile(r"^[0-9]{5}$")


class CustomerKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class TaxStatus(StrEnum):
    CONSUMER = "consumer"  # B2C
    BUSINESS = "business"  # B2B


@dataclass(frozen=True)
class Address:
    """A structured postal address (SEPA requires structured addresses from November 2026)."""

    street: str
    postcode: str
    city: str
    country: str
    house_number: str | None = None
    address_line_2: str | None = None
    recipient: str | None = None


def address_errors(address: Address, pointer: str) -> Iterator[FieldError]:
    for name in ("street", "postcode", "city"):
        if not str(getattr(address, name) or "").strip():
            yield FieldError(f"{pointer}/{name}", "must not be empty")
    try:
        country = identity.country(address.country, f"{pointer}/country")
    except TurnusError as exc:
        yield from exc.errors
        return
    if country == "DE" and address.postcode and not _POSTCODE_DE.match(address.postcode.strip()):
        yield FieldError(f"{pointer}/postcode", "a German postcode has five digits")


def normalized_address(address: Address) -> Address:
    def clean(value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    return Address(
        street=address.street.strip(),
        postcode=address.postcode.strip(),
        city=address.city.strip(),
        country=address.country.strip().upper(),
        house_number=clean(address.house_number),
        address_line_2=clean(address.address_line_2),
        recipient=clean(address.recipient),
    )


@dataclass(frozen=True)
class CustomerProfile:
    kind: CustomerKind
    email: str
    billing_address: Address
    tax_status: TaxStatus
    locale: str
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    phone: str | None = None
    shipping_address: Address | None = None
    vat_id: str | None = None
    tax_exempt: bool = False
    tax_exempt_reason: str | None = None
    custom_fields: Mapping[str, str] | None = None
    tags: Sequence[str] = ()


def _profile_errors(profile: CustomerProfile) -> Iterator[FieldError]:
    if profile.kind is CustomerKind.PERSON:
        for name in ("first_name", "last_name"):
            if not (getattr(profile, name) or "").strip():
                yield FieldError(f"/{name}", "is required for a person")
    elif not (profile.company_name or "").strip():
        yield FieldError("/company_name", "is required for a company")
    if not _EMAIL.match(profile.email.strip()):
        yield FieldError("/email", "is not an email address")
    if profile.phone is not None and not _PHONE.match(profile.phone.strip()):
        yield FieldError("/phone", "may contain digits, spaces, +, -, / and parentheses")
    try:
        identity.locale(profile.locale, "/locale")
    except TurnusError as exc:
        yield from exc.errors
    yield from address_errors(profile.billing_address, "/billing_address")
    if profile.shipping_address is not None:
        yield from address_errors(profile.shipping_address, "/shipping_address")
    if profile.vat_id:
        try:
            identity.vat_id(profile.vat_id, "/vat_id")
        except TurnusError as exc:
            yield from exc.errors
    if profile.tax_exempt and not (profile.tax_exempt_reason or "").strip():
        yield FieldError("/tax_exempt_reason", "is required when the customer is tax exempt")
    fields = profile.custom_fields or {}
    if len(fields) > MAX_CUSTOM_FIELDS:
        yield FieldError("/custom_fields", f"at most {MAX_CUSTOM_FIELDS} fields")
    for key, value in fields.items():
        if not key or len(key) > MAX_CUSTOM_KEY:
            yield FieldError(f"/custom_fields/{key}", f"keys have 1 to {MAX_CUSTOM_KEY} characters")
        if len(value) > MAX_CUSTOM_VALUE:
            yield FieldError(
                f"/custom_fields/{key}", f"values have at most {MAX_CUSTOM_VALUE} characters"
            )
    if len(profile.tags) > MAX_TAGS:
        yield FieldError("/tags", f"at most {MAX_TAGS} tags")
    for index, tag in enumerate(profile.tags):
        if not tag.strip() or len(tag.strip()) > MAX_TAG:
            yield FieldError(f"/tags/{index}", f"tags have 1 to {MAX_TAG} characters")


def validated_profile(profile: CustomerProfile) -> CustomerProfile:
    """The profile normalised, or one ValidationFailed listing every bad field."""
    errors = list(_profile_errors(profile))
    if errors:
        raise ValidationFailed("The customer is not valid.", errors)
    return CustomerProfile(
        kind=profile.kind,
        email=profile.email.strip(),
        billing_address=normalized_address(profile.billing_address),
        tax_status=profile.tax_status,
        locale=identity.locale(profile.locale, "/locale"),
        first_name=(profile.first_name or "").strip() or None,
        last_name=(profile.last_name or "").strip() or None,
        company_name=(profile.company_name or "").strip() or None,
        phone=profile.phone.strip() if profile.phone else None,
        shipping_address=(
            normalized_address(profile.shipping_address) if profile.shipping_address else None
        ),
        vat_id=identity.vat_id(profile.vat_id, "/vat_id") if profile.vat_id else None,
        tax_exempt=profile.tax_exempt,
        tax_exempt_reason=(profile.tax_exempt_reason or "").strip() or None,
        custom_fields=dict(profile.custom_fields or {}),
        tags=tuple(dict.fromkeys(t.strip() for t in profile.tags)),
    )


def display_name(profile: CustomerProfile) -> str:
    if profile.kind is CustomerKind.COMPANY:
        return profile.company_name or ""
    return f"{profile.first_name or ''} {profile.last_name or ''}".strip()
