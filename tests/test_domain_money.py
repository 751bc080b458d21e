from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.errors import ValidationFailed
from turnus.domain.money import (
    Money,
    minor_unit_exponent,
    round_half_up,
    to_major_units,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("currency", "exponent"), [("EUR", 2), ("CHF", 2), ("USD", 2), ("GBP", 2), ("JPY", 0)]
)
def test_minor_unit_exponents(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent


@pytest.mark.parametrize("code", ["eur", "EURO", "XYZ", "", "XXX", "XAU"])
def test_unknown_currency_is_refused_naming_the_field(code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        minor_unit_exponent(code)
    assert info.value.errors[0].pointer == "/currency"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("-0.5", -1), ("-2.5", -3), ("2.4999", 2), ("0", 0)],
)
def test_round_half_up_rounds_halves_away_from_zero(value: str, expected: int) -> None:
    assert round_half_up(Decimal(value)) == expected


def test_major_minor_conversion() -> None:
    assert to_minor_units(Decimal("14.90"), "EUR") == 1490
    assert to_minor_units(Decimal("0.005"), "EUR") == 1
    assert to_minor_units(Decimal("1234"), "JPY") == 1234
    assert to_major_units(1490, "EUR") == Decimal("14.90")


def test_money_arithmetic_never_mixes_currencies() -> None:
    assert Money(1490, "EUR") + Money(10, "EUR") == Money(1500, "EUR")
    assert Money(1490, "EUR") - Money(1500, "EUR") == Money(-10, "EUR")
    assert -Money(5, "CHF") == Money(-5, "CHF")
    with pytest.raises(ValueError, match="EUR with CHF"):
        Money(1, "EUR") + Money(1, "CHF")


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        Money(14.9, "EUR")  # type: ignore[arg-type]


def test_money_times_rounds_half_up() -> None:
    assert Money(1490, "EUR").times(Decimal("0.5")) == Money(745, "EUR")
    assert Money(1, "EUR").times(Decimal("0.5")) == Money(1, "EUR")
    assert Money(1490, "EUR").major == Decimal("14.90")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_major_round_trip(amount: int) -> None:
    assert to_minor_units(to_major_units(amount, "EUR"), "EUR") == amount


@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4
    )
)
def test_rounding_error_is_at_most_half_a_minor_unit(value: Decimal) -> None:
    assert abs(Decimal(round_half_up(value)) - value) <= Decimal("0.5")


def test_fees_must_be_exact_in_their_currency() -> None:
    from turnus.domain.money import exact_minor_units

    assert exact_minor_units(Decimal("5.00"), "EUR", "/fee") == 500
    assert exact_minor_units(Decimal("5.5"), "CHF", "/fee") == 550
    assert exact_minor_units(Decimal("1200"), "JPY", "/fee") == 1200
    for amount, currency in (
        (Decimal("5.001"), "EUR"),
        (Decimal("-1"), "EUR"),
        (Decimal("0.5"), "JPY"),
    ):
        with pytest.raises(ValidationFailed) as info:
            exact_minor_units(amount, currency, "/fee")
        assert info.value.errors[0].pointer == "/fee"
