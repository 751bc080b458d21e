"""Customers: who is billed, where, and under which tax status (pure validation).

Everything here is deterministic and free of I/O: the services hand in what the database or the
tenant clock know (the merchant's country, the current instant)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from stdnum.de import leitweg

from turnus.domain import identity
from turnus.domain.errors import FieldError, TurnusError, ValidationFailed

MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_KEY = 40
MAX_CUSTOM_VALUE = 500
MAX_TAGS = 30
MAX_TAG = 40
MAX_NOTES = 10_000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Digits, spaces, "-", "/", parentheses; "+" only in front (international prefix).
_PHONE = re.compile(r"^\+?[0-9 ()/\-]+$")
_PHONE_DIGITS = (5, 20)
_POSTCODE_DE = re.compile(r"^[0-9]{5}$")

# VAT ID prefixes that differ from the ISO 3166 code of the country.
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


class CustomerKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class TaxStatus(StrEnum):
    CONSUMER = "consumer"  # B2C
    BUSINESS = "business"  # B2B


@dataclass(frozen=True)
class Address:
    """A structured postal address (SEPA requires structured addresses from November 2026).
    ``recipient`` is for shipping addresses only."""

    street: str
    postcode: str
    city: str
    country: str
    house_number: str | None = None
    address_line_2: str | None = None
    recipient: str | None = None


def pointer_token(key: str) -> str:
    """``key`` as one RFC 6901 reference token ("~" -> "~0", "/" -> "~1")."""
    return key.replace("~", "~0").replace("/", "~1")


def address_errors(
    address: Address, pointer: str, *, shipping: bool = False
) -> Iterator[FieldError]:
    for name in ("street", "postcode", "city"):
        if not str(getattr(address, name) or "").strip():
            yield FieldError(f"{pointer}/{name}", "must not be empty")
    if not shipping and address.recipient is not None:
        yield FieldError(f"{pointer}/recipient", "only a shipping address names a recipient")
    try:
        country = identity.country(address.country, f"{pointer}/country")
    except TurnusError as exc:
        yield from exc.errors
        return
    postcode = (address.postcode or "").strip()
    if country == "DE" and postcode and not _POSTCODE_DE.match(postcode):
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
class VatId:
    """A VAT identification number that passed the format and check-digit test."""

    number: str  # compact, with its country prefix (DE136695976, GB980780684, CHE…MWST)
    country: str  # ISO 3166-1 alpha-2 of the issuing country (EL -> GR, XI -> GB)

    @property
    def eu(self) -> bool:
        return self.country in identity.EU_MEMBER_STATES


def checked_vat_id(value: str, pointer: str) -> VatId:
    """Normalise and check a VAT ID (python-stdnum); ValidationFailed at ``pointer`` if bad."""
    number = identity.vat_id(value, pointer)
    if not number[:2].isalpha():
        # python-stdnum's GB module drops the "GB" prefix; an ID without one came from it.
        number = f"GB{number}"
    prefix = number[:2]
    return VatId(number, _VAT_PREFIX_COUNTRY.get(prefix, prefix))


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
    buyer_reference: str | None = None  # Leitweg-ID of a public-sector buyer (XRechnung)


def phone_errors(phone: str, pointer: str) -> Iterator[FieldError]:
    value = phone.strip()
    digits = sum(ch.isdigit() for ch in value)
    low, high = _PHONE_DIGITS
    if not _PHONE.match(value):
        yield FieldError(pointer, "may contain digits, spaces, a leading +, -, / and parentheses")
    elif not low <= digits <= high:
        yield FieldError(pointer, f"has {low} to {high} digits")


def custom_field_errors(fields: Mapping[str, str], pointer: str) -> Iterator[FieldError]:
    if len(fields) > MAX_CUSTOM_FIELDS:
        yield FieldError(pointer, f"at most {MAX_CUSTOM_FIELDS} fields")
    for key, value in fields.items():
        where = f"{pointer}/{pointer_token(key)}"
        if not key.strip() or len(key) > MAX_CUSTOM_KEY:
            yield FieldError(where, f"keys have 1 to {MAX_CUSTOM_KEY} characters")
        if len(value) > MAX_CUSTOM_VALUE:
            yield FieldError(where, f"values have at most {MAX_CUSTOM_VALUE} characters")


def tag_errors(tags: Sequence[str], pointer: str) -> Iterator[FieldError]:
    for index, tag in enumerate(tags):
        if not tag.strip() or len(tag.strip()) > MAX_TAG:
            yield FieldError(f"{pointer}/{index}", f"tags have 1 to {MAX_TAG} characters")
    if len(normalized_tags(tags)) > MAX_TAGS:
        yield FieldError(pointer, f"at most {MAX_TAGS} different tags")


def normalized_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Trimmed, without duplicates, in the order first given."""
    return tuple(dict.fromkeys(tag.strip() for tag in tags))


def _profile_errors(profile: CustomerProfile) -> Iterator[FieldError]:
    if profile.kind is CustomerKind.PERSON:
        for name in ("first_name", "last_name"):
            if not (getattr(profile, name) or "").strip():
                yield FieldError(f"/{name}", "is required for a person")
    elif not (profile.company_name or "").strip():
        yield FieldError("/company_name", "is required for a company")
    if not _EMAIL.match(profile.email.strip()):
        yield FieldError("/email", "is not an email address")
    if profile.phone is not None:
        yield from phone_errors(profile.phone, "/phone")
    try:
        identity.locale(profile.locale, "/locale")
    except TurnusError as exc:
        yield from exc.errors
    yield from address_errors(profile.billing_address, "/billing_address")
    if profile.shipping_address is not None:
        yield from address_errors(profile.shipping_address, "/shipping_address", shipping=True)
    if profile.vat_id is not None:
        try:
            checked_vat_id(profile.vat_id, "/vat_id")
        except TurnusError as exc:
            yield from exc.errors
    reason = (profile.tax_exempt_reason or "").strip()
    if profile.tax_exempt and not reason:
        yield FieldError("/tax_exempt_reason", "is required when the customer is tax exempt")
    if not profile.tax_exempt and reason:
        yield FieldError("/tax_exempt_reason", "only a tax-exempt customer has one")
    yield from custom_field_errors(profile.custom_fields or {}, "/custom_fields")
    yield from tag_errors(profile.tags, "/tags")
    if profile.buyer_reference is not None and not leitweg.is_valid(profile.buyer_reference):
        yield FieldError(
            "/buyer_reference", "is not a valid Leitweg-ID (e.g. 991-03730-19, check digits)"
        )


def validated_profile(profile: CustomerProfile) -> CustomerProfile:
    """The profile normalised, or one ValidationFailed listing every bad field."""
    errors = list(_profile_errors(profile))
    if errors:
        raise ValidationFailed(
            "The customer is not valid: " + "; ".join(f"{e.pointer}: {e.reason}" for e in errors),
            errors,
        )
    return CustomerProfile(
        kind=profile.kind,
        email=profile.email.strip(),
        billing_address=normalized_address(profile.billing_address),
        tax_status=profile.tax_status,
        locale=identity.locale(profile.locale, "/locale"),
        first_name=(profile.first_name or "").strip() or None,
        last_name=(profile.last_name or "").strip() or None,
        company_name=(profile.company_name or "").strip() or None,
        phone=profile.phone.strip() if profile.phone is not None else None,
        shipping_address=(
            normalized_address(profile.shipping_address) if profile.shipping_address else None
        ),
        vat_id=(
            checked_vat_id(profile.vat_id, "/vat_id").number if profile.vat_id is not None else None
        ),
        tax_exempt=profile.tax_exempt,
        tax_exempt_reason=(profile.tax_exempt_reason or "").strip() or None,
        custom_fields=dict(profile.custom_fields or {}),
        tags=normalized_tags(profile.tags),
        buyer_reference=(
            leitweg.compact(profile.buyer_reference) if profile.buyer_reference else None
        ),
    )


def vat_id_missing(profile: CustomerProfile, merchant_country: str) -> bool:
    """A business in another EU member state without a VAT ID: allowed, but its invoices cannot
    use the reverse charge (they carry VAT) until a VAT ID is added."""
    country = profile.billing_address.country.strip().upper()
    return (
        profile.tax_status is TaxStatus.BUSINESS
        and not profile.vat_id
        and country in identity.EU_MEMBER_STATES
        and country != merchant_country.strip().upper()
    )


def display_name(profile: CustomerProfile) -> str:
    return name_of(profile.kind, profile.company_name, profile.first_name, profile.last_name)


def name_of(
    kind: CustomerKind, company_name: str | None, first_name: str | None, last_name: str | None
) -> str:
    """The name a customer is shown and invoiced under (``display_name`` of a profile)."""
    if kind is CustomerKind.COMPANY:
        return company_name or ""
    return f"{first_name or ''} {last_name or ''}".strip()
