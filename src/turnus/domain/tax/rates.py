"""Effective-dated VAT rates of the 27 EU member states, from 2020-01-01 on.

The table is keyed by ISO 3166-1 alpha-2 country code: Greece is ``GR`` (its VAT prefix ``EL`` is
refused with a hint). Special territories (Canary Islands, Azores/Madeira, Åland, Büsingen, the
Greek islands' lower rates, …) are not modelled: the rates are the mainland rates.

Categories:

* ``STANDARD``: the standard rate.
* ``REDUCED``: the country's main reduced rate for books, press and food, read as *the rate for
  printed and electronic books and for newspapers and periodicals*, which in most member states
  is also the rate for most foodstuffs (DE 7 %, AT 10 %, FR 5.5 %, NL 9 %). Where books and
  press are taxed differently, the book rate wins; where books are zero-rated (CZ from 2024,
  IE), the press rate; where there is no reduced rate for them at all (DK; BG until 2020-06-30),
  the standard rate. That is why ES, IT, LU and CY show their super-reduced rate (4, 4, 3, 3)
  and why GR (6), HR, HU, MT (5), SE (6), FI (10 until 2024) differ from their food rate.
  ``docs/tax.md`` lists the food rates that differ.
* ``ZERO`` and ``EXEMPT``: no VAT, ``Decimal(0)``.

``valid_from`` and ``valid_until`` are both inclusive; ``valid_until`` None means "still in
force". A rate applies to a supply by the date of supply (for a subscription period, the
period's end under § 13 Abs. 1 Nr. 1a UStG; the caller chooses the date).

Sources (checked 2026-12): European Commission "VAT rates applied in the Member States" / TEDB,
the member states' announcements as reported by the big advisory firms, and the package
eu-vat-rates-data 2026.9.29 (EC TEDB, 2026-09-29) for the rates in force in late 2026.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from turnus.domain import identity
from turnus.domain.catalog.model import TaxCategory

#: The first day the table knows rates for.
TABLE_START = date(2020, 1, 1)

#: The EU member states (ISO 3166-1 alpha-2; Greece is GR). Northern Ireland (XI) is not one.
EU_MEMBER_STATES: frozenset[str] = identity.EU_MEMBER_STATES

_ZERO = Decimal(0)


@dataclass(frozen=True)
class RateEntry:
    """``rate`` percent for ``category`` in ``country`` from ``valid_from`` to ``valid_until``
    (both inclusive; None: no end known)."""

    country: str
    category: TaxCategory
    rate: Decimal
    valid_from: date
    valid_until: date | None

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


_S = TaxCategory.STANDARD
_R = TaxCategory.REDUCED

# country -> category -> ((first day, rate), ...) in date order; each step ends the day before
# the next one starts and the last one is open-ended.
_STEPS: dict[str, dict[TaxCategory, tuple[tuple[date, str], ...]]] = {
    # AT: books and e-publications 5 % from 2020-07-01 to 2021-12-31 (COVID-19 measure, BGBl I
    # 60/2020, extended for books to the end of 2021; newspapers 5 % at least in 2020 H2).
    # Food stays 10 % (basic foods 4.9 % from 2026-07-01).
    "AT": {
        _S: ((TABLE_START, "20"),),
        _R: ((TABLE_START, "10"), (date(2020, 7, 1), "5"), (date(2022, 1, 1), "10")),
    },
    # BE: books, periodicals and food 6 % (daily newspapers 0 %).
    "BE": {_S: ((TABLE_START, "21"),), _R: ((TABLE_START, "6"),)},
    # BG: books standard-rated until 2020-06-30; 9 % from 2020-07-01 (temporary, extended,
    # permanent since 2023, periodicals included). Most food is 20 %.
    "BG": {_S: ((TABLE_START, "20"),), _R: ((TABLE_START, "20"), (date(2020, 7, 1), "9"))},
    # CY: books, newspapers, periodicals 5 %, 3 % from 2023-07-21. Food 5 %.
    "CY": {_S: ((TABLE_START, "19"),), _R: ((TABLE_START, "5"), (date(2023, 7, 21), "3"))},
    # CZ: books 10 % until 2023; from 2024-01-01 the 10 % and 15 % rates merge into 12 %
    # (newspapers, periodicals, food) and books are zero-rated (category ZERO).
    "CZ": {_S: ((TABLE_START, "21"),), _R: ((TABLE_START, "10"), (date(2024, 1, 1), "12"))},
    # DE: 16/5 % from 2020-07-01 to 2020-12-31 (Zweites Corona-Steuerhilfegesetz).
    "DE": {
        _S: ((TABLE_START, "19"), (date(2020, 7, 1), "16"), (date(2021, 1, 1), "19")),
        _R: ((TABLE_START, "7"), (date(2020, 7, 1), "5"), (date(2021, 1, 1), "7")),
    },
    # DK: no reduced rate (books and food 25 %; newspapers 0 %).
    "DK": {_S: ((TABLE_START, "25"),), _R: ((TABLE_START, "25"),)},
    # EE: 22 % from 2024-01-01, 24 % from 2025-07-01. Books 9 % (press 5 % from 2022-08-01 to
    # 2024-12-31, then 9 % again). Food is standard-rated.
    "EE": {
        _S: ((TABLE_START, "20"), (date(2024, 1, 1), "22"), (date(2025, 7, 1), "24")),
        _R: ((TABLE_START, "9"),),
    },
    # ES: books and press 4 % (super-reduced); most food 10 %.
    "ES": {_S: ((TABLE_START, "21"),), _R: ((TABLE_START, "4"),)},
    # FI: 25.5 % from 2024-09-01. Books 10 %, 14 % from 2025-01-01, 13.5 % from 2026-01-01
    # (press stays 10 %). Food 14 %, 13.5 % from 2026-01-01.
    "FI": {
        _S: ((TABLE_START, "24"), (date(2024, 9, 1), "25.5")),
        _R: ((TABLE_START, "10"), (date(2025, 1, 1), "14"), (date(2026, 1, 1), "13.5")),
    },
    # FR: books 5.5 % (press 2.1 %); food 5.5 %.
    "FR": {_S: ((TABLE_START, "20"),), _R: ((TABLE_START, "5.5"),)},
    # GR (VAT prefix EL): books and press 6 %; food 13 %. Island rates not modelled.
    "GR": {_S: ((TABLE_START, "24"),), _R: ((TABLE_START, "6"),)},
    # HR: books 5 % (some periodicals 13 %); food 5 %/13 %/25 %.
    "HR": {_S: ((TABLE_START, "25"),), _R: ((TABLE_START, "5"),)},
    # HU: books and press 5 %; food 5 %/18 %/27 %.
    "HU": {_S: ((TABLE_START, "27"),), _R: ((TABLE_START, "5"),)},
    # IE: 21 % from 2020-09-01 to 2021-02-28. Printed books 0 % (e-books 9 %, 0 % from 2024);
    # newspapers and periodicals 9 %. Most food 0 %.
    "IE": {
        _S: ((TABLE_START, "23"), (date(2020, 9, 1), "21"), (date(2021, 3, 1), "23")),
        _R: ((TABLE_START, "9"),),
    },
    # IT: books and press 4 % (super-reduced); food 4 %/10 %.
    "IT": {_S: ((TABLE_START, "22"),), _R: ((TABLE_START, "4"),)},
    # LT: books 9 %, 5 % from 2026-01-01 (the 9 % rate is abolished). Food 21 %.
    "LT": {_S: ((TABLE_START, "21"),), _R: ((TABLE_START, "9"), (date(2026, 1, 1), "5"))},
    # LU: 16 % (and 7 %, 13 %) in 2023 only. Books, press, food 3 % (super-reduced, unchanged).
    "LU": {
        _S: ((TABLE_START, "17"), (date(2023, 1, 1), "16"), (date(2024, 1, 1), "17")),
        _R: ((TABLE_START, "3"),),
    },
    # LV: books and press 12 %, 5 % from 2022-01-01. Food mostly 21 %.
    "LV": {_S: ((TABLE_START, "21"),), _R: ((TABLE_START, "12"), (date(2022, 1, 1), "5"))},
    # MT: books and press 5 %; unprocessed food 0 %.
    "MT": {_S: ((TABLE_START, "18"),), _R: ((TABLE_START, "5"),)},
    # NL: books, press and food 9 %.
    "NL": {_S: ((TABLE_START, "21"),), _R: ((TABLE_START, "9"),)},
    # PL: books 5 % (periodicals 8 %); food 5 % (0 % Feb 2022 - Mar 2024 for basic foods).
    "PL": {_S: ((TABLE_START, "23"),), _R: ((TABLE_START, "5"),)},
    # PT (mainland): books, press and basic food 6 %.
    "PT": {_S: ((TABLE_START, "23"),), _R: ((TABLE_START, "6"),)},
    # RO: 21 % from 2025-08-01. Books and press 5 % (food 9 %); both merged into 11 % from
    # 2025-08-01 (Law 141/2025).
    "RO": {
        _S: ((TABLE_START, "19"), (date(2025, 8, 1), "21")),
        _R: ((TABLE_START, "5"), (date(2025, 8, 1), "11")),
    },
    # SE: books and press 6 %; food 12 % (6 % from 2026-04-01, temporary).
    "SE": {_S: ((TABLE_START, "25"),), _R: ((TABLE_START, "6"),)},
    # SI: books, press and e-publications 5 % since 2020-01-01; food 9.5 %.
    "SI": {_S: ((TABLE_START, "22"),), _R: ((TABLE_START, "5"),)},
    # SK: 23 % from 2025-01-01. Books, press and basic food 10 %, 5 % from 2025-01-01.
    "SK": {
        _S: ((TABLE_START, "20"), (date(2025, 1, 1), "23")),
        _R: ((TABLE_START, "10"), (date(2025, 1, 1), "5")),
    },
}


def _entries(
    steps: Mapping[str, Mapping[TaxCategory, Iterable[tuple[date, str]]]],
) -> tuple[RateEntry, ...]:
    entries: list[RateEntry] = []
    for country in sorted(steps):
        for category, history in steps[country].items():
            items = list(history)
            for index, (start, rate) in enumerate(items):
                until = items[index + 1][0] - timedelta(days=1) if index + 1 < len(items) else None
                entries.append(RateEntry(country, category, Decimal(rate), start, until))
    return tuple(entries)


#: Every entry, by country, then category, then date.
RATE_TABLE: tuple[RateEntry, ...] = _entries(_STEPS)

_BY_KEY: Mapping[tuple[str, TaxCategory], tuple[RateEntry, ...]] = MappingProxyType(
    {
        (country, category): tuple(
            e for e in RATE_TABLE if e.country == country and e.category == category
        )
        for country in _STEPS
        for category in _STEPS[country]
    }
)

if frozenset(_STEPS) != EU_MEMBER_STATES:  # pragma: no cover - a broken table must not load
    raise RuntimeError("the VAT rate table must cover exactly the EU member states")


def _normalise(country: str) -> str:
    return country.strip().upper()


def is_eu(country: str) -> bool:
    """Whether ``country`` (ISO 3166-1 alpha-2, any case) is an EU member state. ``EL`` is not
    an ISO code (Greece is ``GR``), so it is not."""
    return _normalise(country) in EU_MEMBER_STATES


def eu_country(country: str) -> str:
    """``country`` normalised (upper case), or ``ValueError`` unless it is an EU member state."""
    code = _normalise(country)
    if code in EU_MEMBER_STATES:
        return code
    if code == "EL":
        raise ValueError("'EL' is Greece's VAT prefix; use the ISO 3166 code 'GR'")
    raise ValueError(f"'{country}' is not an EU member state (ISO 3166-1 alpha-2, e.g. 'DE')")


def check_date(on: date) -> None:
    """``ValueError`` if ``on`` lies before ``TABLE_START``, the first day with known rates."""
    if on < TABLE_START:
        raise ValueError(
            f"no VAT rates are recorded before {TABLE_START.isoformat()} (asked for {on})"
        )


def vat_rate(country: str, category: TaxCategory, on: date) -> Decimal:
    """The VAT rate in percent for ``category`` in the EU member state ``country`` on ``on``.

    ``ZERO`` and ``EXEMPT`` are ``Decimal(0)``. Raises ``ValueError`` (never ``KeyError``) for a
    country that is not an EU member state (including ``EL``: use ``GR``) and for a date before
    ``TABLE_START``."""
    code = eu_country(country)
    category = TaxCategory(category)
    check_date(on)
    if category in (TaxCategory.ZERO, TaxCategory.EXEMPT):
        return _ZERO
    for entry in _BY_KEY[(code, category)]:
        if entry.covers(on):
            return entry.rate
    raise ValueError(f"no {category} VAT rate is recorded for {code} on {on}")  # pragma: no cover


def rate_history(country: str, category: TaxCategory) -> tuple[RateEntry, ...]:
    """The entries of one country and category (STANDARD or REDUCED), oldest first."""
    code = eu_country(country)
    category = TaxCategory(category)
    if category not in (TaxCategory.STANDARD, TaxCategory.REDUCED):
        raise ValueError(f"the table records only standard and reduced rates, not {category}")
    return _BY_KEY[(code, category)]
