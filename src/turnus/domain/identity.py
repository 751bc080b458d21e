"""Validation of identifiers that appear on legal documents: countries, VAT IDs, tax numbers,
time zones, locales. Check digits come from python-stdnum; nothing here is hand-rolled."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from babel import Locale
from stdnum import exceptions as stdnum_errors
from stdnum.ch import vat as ch_vat
from stdnum.de import stnr
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat

from turnus.domain.errors import ValidationFailed

SUPPORTED_LOCALES = ("de", "en")

# EU VAT identifiers use "EL" for Greece; everything else is the ISO 3166 code.
EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


# CLDR territory codes that name no country: the EU, the eurozone, the UN, outlying Oceania,
# pseudo-locales and "unknown region".
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        code
        for code in territories
        if isinstance(code, str)
        and len(code) == 2
        and code.isalpha()
        and code not in _NOT_COUNTRIES
    )


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def country(value: str, pointer: str) -> str:
    code = value.strip().upper()
    if code not in _countries():
        raise ValidationFailed.field(
            pointer, f"'{value}' is not an ISO 3166-1 alpha-2 country code"
        )
    return code


def timezone(value: str, pointer: str) -> str:
    if value not in _timezones():
        raise ValidationFailed.field(
            pointer, f"'{value}' is not an IANA time zone (e.g. Europe/Berlin)"
        )
    return value


def locale(value: str, pointer: str) -> str:
    code = value.strip().lower()
    if code not in SUPPORTED_LOCALES:
        raise ValidationFailed.field(pointer, f"must be one of {', '.join(SUPPORTED_LOCALES)}")
    return code


def vat_id(value: str, pointer: str) -> str:
    """Normalise and check a VAT identification number (EU, CH, GB) by format and check digits."""
    for module in (eu_vat, gb_vat, ch_vat):
        try:
            compact = str(module.compact(value))
            if module.is_valid(compact):
                return compact
        except stdnum_errors.ValidationError:
            continue
    raise ValidationFailed.field(pointer, f"'{value}' is not a valid VAT identification number")


def german_tax_number(value: str, pointer: str) -> str:
    """A German Steuernummer in any regional or the 13-digit federal format."""
    try:
        return str(stnr.validate(value))
    except stdnum_errors.ValidationError:
        raise ValidationFailed.field(
            pointer, f"'{value}' is not a valid German tax number"
        ) from None
