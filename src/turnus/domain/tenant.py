"""A merchant (tenant) and its legal profile, as printed on every invoice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from turnus.domain import identity
from turnus.domain.clock import TenantMode
from turnus.domain.errors import FieldError, TurnusError, ValidationFailed
from turnus.domain.money import minor_unit_exponent


@dataclass(frozen=True)
class TenantProfile:
    company_name: str
    street: str
    postcode: str
    city: str
    country: str
    house_number: str | None = None
    vat_id: str | None = None
    tax_number: str | None = None
    email: str | None = None
    timezone: str = "Europe/Berlin"
    default_currency: str = "EUR"
    default_locale: str = "de"
    mode: TenantMode = TenantMode.LIVE


def validated_profile(profile: TenantProfile) -> TenantProfile:
    """Return the profile normalised, or raise one ValidationFailed listing every bad field."""
    errors: list[FieldError] = []

    values: dict[str, object] = {}

    def attempt(name: str, func: Callable[[], str]) -> None:
        try:
            values[name] = func()
        except TurnusError as exc:
            errors.extend(exc.errors)

    for name in ("company_name", "street", "postcode", "city"):
        text = str(getattr(profile, name)).strip()
        if not text:
            errors.append(FieldError(f"/{name}", "must not be empty"))
        values[name] = text
    attempt("country", lambda: identity.country(profile.country, "/country"))
    attempt("timezone", lambda: identity.timezone(profile.timezone, "/timezone"))
    attempt("default_locale", lambda: identity.locale(profile.default_locale, "/default_locale"))
    attempt("default_currency", lambda: _currency(profile.default_currency))
    if profile.vat_id:
        attempt("vat_id", lambda: identity.vat_id(profile.vat_id or "", "/vat_id"))
    if profile.tax_number:
        attempt(
            "tax_number",
            lambda: identity.german_tax_number(profile.tax_number or "", "/tax_number"),
        )
    if profile.email is not None and "@" not in profile.email:
        errors.append(FieldError("/email", "must be an email address"))
    if errors:
        raise ValidationFailed("The merchant's legal data is not valid.", errors)
    return TenantProfile(
        company_name=str(values["company_name"]),
        street=str(values["street"]),
        postcode=str(values["postcode"]),
        city=str(values["city"]),
        country=str(values["country"]),
        house_number=(profile.house_number or "").strip() or None,
        vat_id=str(values["vat_id"]) if "vat_id" in values else None,
        tax_number=str(values["tax_number"]) if "tax_number" in values else None,
        email=profile.email,
        timezone=str(values["timezone"]),
        default_currency=str(values["default_currency"]),
        default_locale=str(values["default_locale"]),
        mode=profile.mode,
    )


def _currency(code: str) -> str:
    try:
        minor_unit_exponent(code)
    except ValidationFailed:
        raise ValidationFailed.field(
            "/default_currency", f"'{code}' is not an ISO 4217 currency code"
        ) from None
    return code
