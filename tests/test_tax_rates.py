"""The effective-dated EU VAT rate table: exact rates around every change, coverage of all 27
member states, a gapless history, clear errors, and a cross-check of the rates in force at
the date of the eu-vat-rates-data package's data (skipped when that package is missing)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from turnus.domain import identity
from turnus.domain.catalog.model import TaxCategory
from turnus.domain.tax.rates import (
    EU_MEMBER_STATES,
    RATE_TABLE,
    TABLE_START,
    RateEntry,
    is_eu,
    rate_history,
    vat_rate,
)

S = TaxCategory.STANDARD
R = TaxCategory.REDUCED
LATE_2026 = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("country", "category", "on", "rate"),
    [
        # Germany: 16/5 % in the second half of 2020.
        ("DE", S, date(2020, 1, 1), "19"),
        ("DE", S, date(2020, 6, 30), "19"),
        ("DE", S, date(2020, 7, 1), "16"),
        ("DE", S, date(2020, 8, 1), "16"),
        ("DE", S, date(2020, 12, 31), "16"),
        ("DE", S, date(2021, 1, 1), "19"),
        ("DE", R, date(2020, 8, 1), "5"),
        ("DE", R, date(2021, 1, 1), "7"),
        ("DE", S, LATE_2026, "19"),
        ("DE", R, LATE_2026, "7"),
        # Austria: books 5 % from 2020-07-01 to 2021-12-31.
        ("AT", S, LATE_2026, "20"),
        ("AT", R, LATE_2026, "10"),
        ("AT", R, date(2020, 6, 30), "10"),
        ("AT", R, date(2021, 12, 31), "5"),
        ("AT", R, date(2022, 1, 1), "10"),
        ("FR", S, LATE_2026, "20"),
        ("FR", R, LATE_2026, "5.5"),
        # Estonia: 20 -> 22 -> 24.
        ("EE", S, date(2023, 12, 31), "20"),
        ("EE", S, date(2024, 1, 1), "22"),
        ("EE", S, date(2025, 6, 30), "22"),
        ("EE", S, date(2025, 7, 1), "24"),
        ("EE", R, LATE_2026, "9"),
        # Finland: 24 -> 25.5; books 10 -> 14 -> 13.5.
        ("FI", S, date(2024, 8, 31), "24"),
        ("FI", S, date(2024, 9, 1), "25.5"),
        ("FI", R, date(2024, 12, 31), "10"),
        ("FI", R, date(2025, 1, 1), "14"),
        ("FI", R, date(2025, 12, 31), "14"),
        ("FI", R, date(2026, 1, 1), "13.5"),
        # Slovakia: 20 -> 23; 10 -> 5.
        ("SK", S, date(2024, 12, 31), "20"),
        ("SK", S, date(2025, 1, 1), "23"),
        ("SK", R, date(2024, 12, 31), "10"),
        ("SK", R, date(2025, 1, 1), "5"),
        # Romania: 19 -> 21; 5 (books) -> 11.
        ("RO", S, date(2025, 7, 31), "19"),
        ("RO", S, date(2025, 8, 1), "21"),
        ("RO", R, date(2025, 7, 31), "5"),
        ("RO", R, date(2025, 8, 1), "11"),
        # Luxembourg: 16 % in 2023 only; 3 % throughout.
        ("LU", S, date(2022, 12, 31), "17"),
        ("LU", S, date(2023, 1, 1), "16"),
        ("LU", S, date(2023, 12, 31), "16"),
        ("LU", S, date(2024, 1, 1), "17"),
        ("LU", R, date(2023, 6, 1), "3"),
        # Czechia: 10 -> 12 (books zero-rated from 2024).
        ("CZ", R, date(2023, 12, 31), "10"),
        ("CZ", R, date(2024, 1, 1), "12"),
        ("CZ", S, LATE_2026, "21"),
        # Ireland: 21 % from 2020-09-01 to 2021-02-28.
        ("IE", S, date(2020, 8, 31), "23"),
        ("IE", S, date(2020, 9, 1), "21"),
        ("IE", S, date(2021, 2, 28), "21"),
        ("IE", S, date(2021, 3, 1), "23"),
        ("IE", R, LATE_2026, "9"),
        # Baltic states and Cyprus.
        ("LT", R, date(2025, 12, 31), "9"),
        ("LT", R, date(2026, 1, 1), "5"),
        ("LV", R, date(2021, 12, 31), "12"),
        ("LV", R, date(2022, 1, 1), "5"),
        ("CY", R, date(2023, 7, 20), "5"),
        ("CY", R, date(2023, 7, 21), "3"),
        ("BG", R, date(2020, 6, 30), "20"),
        ("BG", R, date(2020, 7, 1), "9"),
        # Greece is GR; Denmark has no reduced rate.
        ("GR", S, LATE_2026, "24"),
        ("GR", R, LATE_2026, "6"),
        ("DK", R, LATE_2026, "25"),
        ("HU", S, LATE_2026, "27"),
        ("ES", R, LATE_2026, "4"),
        ("IT", R, LATE_2026, "4"),
        ("NL", R, LATE_2026, "9"),
    ],
)
def test_rates_around_every_change(
    country: str, category: TaxCategory, on: date, rate: str
) -> None:
    result = vat_rate(country, category, on)
    assert result == Decimal(rate)
    assert isinstance(result, Decimal)


def test_all_27_member_states_have_both_rates_late_in_2026() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert {e.country for e in RATE_TABLE} == EU_MEMBER_STATES
    for country in EU_MEMBER_STATES:
        standard = vat_rate(country, S, LATE_2026)
        reduced = vat_rate(country, R, LATE_2026)
        assert Decimal(17) <= standard <= Decimal(27)
        assert Decimal(0) < reduced <= standard


def test_member_states_are_the_identity_modules() -> None:
    assert EU_MEMBER_STATES == identity.EU_MEMBER_STATES
    assert "GR" in EU_MEMBER_STATES
    assert "EL" not in EU_MEMBER_STATES


@pytest.mark.parametrize("country", sorted(EU_MEMBER_STATES))
@pytest.mark.parametrize("category", [S, R])
def test_history_is_gapless_and_open_ended(country: str, category: TaxCategory) -> None:
    entries = rate_history(country, category)
    assert entries[0].valid_from == TABLE_START
    assert entries[-1].valid_until is None
    for earlier, later in pairwise(entries):
        assert earlier.valid_until is not None
        assert earlier.valid_until + timedelta(days=1) == later.valid_from
        assert earlier.rate != later.rate
    for entry in entries:
        assert entry.country == country
        assert entry.category == category
        assert isinstance(entry.rate, Decimal)
        # the reduced rate never exceeds the standard rate on any day it changes
        if category is R:
            assert entry.rate <= vat_rate(country, S, entry.valid_from)


def test_entries_cover_inclusive_bounds() -> None:
    entry = RateEntry("DE", S, Decimal(16), date(2020, 7, 1), date(2020, 12, 31))
    assert entry.covers(date(2020, 7, 1))
    assert entry.covers(date(2020, 12, 31))
    assert not entry.covers(date(2020, 6, 30))
    assert not entry.covers(date(2021, 1, 1))
    assert RateEntry("DE", S, Decimal(19), date(2021, 1, 1), None).covers(date(2999, 1, 1))


@pytest.mark.parametrize("category", [TaxCategory.ZERO, TaxCategory.EXEMPT])
def test_zero_and_exempt_are_zero(category: TaxCategory) -> None:
    assert vat_rate("DE", category, LATE_2026) == Decimal(0)
    assert vat_rate("FI", category, date(2020, 1, 1)) == Decimal(0)


def test_country_codes_are_normalised() -> None:
    assert vat_rate(" de ", S, LATE_2026) == Decimal(19)
    assert vat_rate("gr", R, LATE_2026) == Decimal(6)


def test_category_may_be_given_by_value() -> None:
    assert vat_rate("DE", TaxCategory("reduced"), LATE_2026) == Decimal(7)


@pytest.mark.parametrize("country", ["CH", "GB", "XI", "US", "XX", "", "DEU", "Germany"])
def test_non_member_states_are_refused_with_a_value_error(country: str) -> None:
    with pytest.raises(ValueError, match="not an EU member state"):
        vat_rate(country, S, LATE_2026)


def test_greek_vat_prefix_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="'GR'"):
        vat_rate("EL", S, LATE_2026)


def test_dates_before_the_table_are_refused() -> None:
    with pytest.raises(ValueError, match="2020-01-01"):
        vat_rate("DE", S, date(2019, 12, 31))
    with pytest.raises(ValueError, match="2020-01-01"):
        vat_rate("DE", TaxCategory.ZERO, date(2019, 12, 31))


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError):
        vat_rate("DE", "luxury", LATE_2026)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only standard and reduced"):
        rate_history("DE", TaxCategory.ZERO)


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("DE", True),
        ("de", True),
        ("GR", True),
        ("HR", True),
        ("EL", False),
        ("CH", False),
        ("GB", False),
        ("XI", False),
        ("NO", False),
        ("", False),
    ],
)
def test_is_eu(country: str, expected: bool) -> None:
    assert is_eu(country) is expected


# --- cross-check against eu-vat-rates-data (EC TEDB) ----------------------------------------


def test_rates_match_eu_vat_rates_data_on_its_data_date() -> None:
    """The package holds only the rates of one day (its ``data_version``, fixed by the installed
    version, never the clock): on that day our standard rate must equal its standard rate, and
    our reduced rate must be one of its reduced, super-reduced or parking rates (the standard
    rate where it lists none, as for DK)."""
    package = pytest.importorskip("eu_vat_rates_data")
    on = date.fromisoformat(package.data_version)
    assert on >= date(2026, 1, 1)
    for country in sorted(EU_MEMBER_STATES):
        data = package.get_rate(country)
        assert data is not None, country
        assert data["eu_member"], country
        standard = Decimal(repr(data["standard"]))
        assert vat_rate(country, S, on) == standard, country
        lower = {Decimal(repr(r)) for r in data["reduced"]}
        for extra in (data["super_reduced"], data["parking"]):
            if extra is not None:
                lower.add(Decimal(repr(extra)))
        allowed = lower or {standard}
        assert vat_rate(country, R, on) in allowed, country
    members = {code for code, data in package.get_all_rates().items() if data["eu_member"]}
    assert members == EU_MEMBER_STATES
