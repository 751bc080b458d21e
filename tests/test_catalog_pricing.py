"""Pricing models. Every expected amount below is computed by hand (in the comments)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.model import Price, PricingModel, Tier
from turnus.domain.catalog.pricing import (
    UNIT_PRICE_EXTRA_PLACES,
    amount_for,
    exact_amount,
    validate_price,
)
from turnus.domain.errors import ValidationFailed

D = Decimal
FAST = settings(max_examples=60, deadline=None)

# Tier 1: units 1..100 at 0.10 EUR (10 ct).
# Tier 2: units 101..1000 at 0.05 EUR (5 ct), plus a 5.00 EUR (500 ct) fee once reached.
# Tier 3: units above 1000 at 0.01 EUR (1 ct).
TIERS = (
    Tier(D(100), unit_price=D("0.10")),
    Tier(D(1000), unit_price=D("0.05"), flat_price=D("5.00")),
    Tier(None, unit_price=D("0.01")),
)
GRADUATED = Price("EUR", PricingModel.GRADUATED, tiers=TIERS)
VOLUME = Price("EUR", PricingModel.VOLUME, tiers=TIERS)


def pointers(info: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [error.pointer for error in info.value.errors]


# --- graduated --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", 0),
        ("1", 10),
        ("99", 990),  # 99 x 10
        ("100", 1000),  # 100 x 10
        ("101", 1505),  # 1000 + 1 x 5 + 500
        ("999", 5995),  # 1000 + 899 x 5 + 500
        ("1000", 6000),  # 1000 + 900 x 5 + 500
        ("1001", 6001),  # 6000 + 1 x 1
        ("1002", 6002),  # 6000 + 2 x 1
        ("1000000000000", 1_000_000_005_000),  # 6000 + (10**12 - 1000) x 1
    ],
)
def test_graduated_at_every_tier_boundary(quantity: str, expected: int) -> None:
    assert amount_for(GRADUATED, D(quantity)) == expected
    assert exact_amount(GRADUATED, D(quantity)) == expected


@pytest.mark.parametrize(
    ("quantity", "exact", "rounded"),
    [
        ("0.25", "2.5", 3),  # 0.25 x 10, half up
        ("0.24", "2.4", 2),
        ("99.95", "999.5", 1000),  # 99.95 x 10
        ("100.5", "1502.5", 1503),  # 1000 + 0.5 x 5 + 500: split exactly at the boundary
        ("100.1", "1500.5", 1501),  # 1000 + 0.1 x 5 + 500
        ("1000.5", "6000.5", 6001),  # 6000 + 0.5 x 1
    ],
)
def test_graduated_fractional_quantities(quantity: str, exact: str, rounded: int) -> None:
    assert exact_amount(GRADUATED, D(quantity)) == D(exact)
    assert amount_for(GRADUATED, D(quantity)) == rounded


def test_graduated_rounds_once_per_line_not_per_tier() -> None:
    # 0.3 ct per unit in both tiers: 5 x 0.3 = 1.5 each; per tier that would be 2 + 2 = 4,
    # the line is 10 x 0.3 = 3.0 -> 3.
    price = Price(
        "EUR",
        PricingModel.GRADUATED,
        tiers=(Tier(D(5), unit_price=D("0.003")), Tier(None, unit_price=D("0.003"))),
    )
    assert exact_amount(price, D(10)) == D(3)
    assert amount_for(price, D(10)) == 3


def test_graduated_flat_fee_of_the_first_tier_applies_from_the_first_unit() -> None:
    price = Price(
        "EUR",
        PricingModel.GRADUATED,
        tiers=(Tier(D(10), flat_price=D("20.00")), Tier(None, unit_price=D("1.00"))),
    )
    assert amount_for(price, D(0)) == 0
    assert amount_for(price, D("0.001")) == 2000
    assert amount_for(price, D(10)) == 2000
    assert amount_for(price, D(11)) == 2100  # 2000 + 1 x 100


# --- volume -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", 0),
        ("1", 10),
        ("99", 990),  # 99 x 10
        ("100", 1000),  # 100 x 10
        ("101", 1005),  # 101 x 5 + 500
        ("999", 5495),  # 999 x 5 + 500
        ("1000", 5500),  # 1000 x 5 + 500
        ("1001", 1001),  # 1001 x 1
        ("1002", 1002),
        ("1000000000000", 1_000_000_000_000),  # 10**12 x 1
    ],
)
def test_volume_at_every_tier_boundary(quantity: str, expected: int) -> None:
    assert amount_for(VOLUME, D(quantity)) == expected
    assert exact_amount(VOLUME, D(quantity)) == expected


@pytest.mark.parametrize(
    ("quantity", "exact", "rounded"),
    [
        ("0.5", "5", 5),  # 0.5 x 10
        ("0.05", "0.5", 1),  # half up
        ("100.5", "1002.5", 1003),  # 100.5 x 5 + 500
        ("1000.5", "1000.5", 1001),  # 1000.5 x 1
    ],
)
def test_volume_fractional_quantities(quantity: str, exact: str, rounded: int) -> None:
    assert exact_amount(VOLUME, D(quantity)) == D(exact)
    assert amount_for(VOLUME, D(quantity)) == rounded


def test_volume_with_a_single_unbounded_tier_is_per_unit_plus_fee() -> None:
    price = Price(
        "EUR",
        PricingModel.VOLUME,
        tiers=(Tier(None, unit_price=D("0.20"), flat_price=D("1.00")),),
    )
    assert amount_for(price, D(0)) == 0
    assert amount_for(price, D(3)) == 160  # 3 x 20 + 100


# --- flat and per unit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"), [("0", 0), ("0.5", 1490), ("1", 1490), ("7", 1490)]
)
def test_flat_charges_the_fee_for_any_positive_quantity(quantity: str, expected: int) -> None:
    price = Price("EUR", PricingModel.FLAT, amount=D("14.90"))
    assert amount_for(price, D(quantity)) == expected


@pytest.mark.parametrize(
    ("calls", "exact", "rounded"),
    [
        (0, "0", 0),
        (1, "1.25", 1),  # 0.0125 EUR = 1.25 ct
        (2, "2.5", 3),  # half up
        (1_000_001, "1250001.25", 1_250_001),  # 12 500.0125 EUR
        (1_000_002, "1250002.5", 1_250_003),  # 12 500.025 EUR, half up
    ],
)
def test_per_unit_api_calls(calls: int, exact: str, rounded: int) -> None:
    price = Price("EUR", PricingModel.PER_UNIT, amount=D("0.0125"))
    assert exact_amount(price, D(calls)) == D(exact)
    assert amount_for(price, D(calls)) == rounded


def test_per_unit_huge_quantity_stays_exact() -> None:
    price = Price("EUR", PricingModel.PER_UNIT, amount=D("0.00000001"))  # 8 places: the limit
    # 10**12 + 1 units x 0.000001 ct = 1 000 000.000001 ct
    assert exact_amount(price, D(10**12 + 1)) == D("1000000.000001")
    assert amount_for(price, D(10**12 + 1)) == 1_000_000
    # 10**30 x 1.25 ct: beyond the default 28 digits of the decimal context, still exact
    big = Price("EUR", PricingModel.PER_UNIT, amount=D("0.0125"))
    assert amount_for(big, D(10**30 + 1)) == 125 * 10**28 + 1  # 1.25e30 + 1.25


# --- package ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", 0),
        ("0.5", 250),  # a started block
        ("1", 250),
        ("99", 250),
        ("100", 250),  # exact multiple
        ("101", 500),  # one over
        ("200", 500),
        ("200.01", 750),
        ("1000000000000", 2_500_000_000_000),  # 10**10 blocks x 250
    ],
)
def test_package_per_started_block(quantity: str, expected: int) -> None:
    price = Price("EUR", PricingModel.PACKAGE, amount=D("2.50"), package_size=D(100))
    assert amount_for(price, D(quantity)) == expected


def test_package_with_a_fractional_block_size() -> None:
    price = Price("EUR", PricingModel.PACKAGE, amount=D("1.00"), package_size=D("0.5"))
    assert amount_for(price, D("1.5")) == 300  # 3 blocks
    assert amount_for(price, D("1.6")) == 400  # 4 blocks


# --- capacity ---------------------------------------------------------------------------------

CAPACITY = Price(
    "EUR",
    PricingModel.CAPACITY,
    tiers=(
        Tier(D(10), flat_price=D("49.00")),
        Tier(D(50), flat_price=D("199.00")),
        Tier(D(200), flat_price=D("499.00")),
    ),
)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", 4900),  # the smallest capacity is the commitment
        ("9", 4900),
        ("10", 4900),
        ("10.5", 19900),
        ("11", 19900),
        ("50", 19900),
        ("51", 49900),
        ("199", 49900),
        ("200", 49900),
    ],
)
def test_capacity_at_each_bound(quantity: str, expected: int) -> None:
    assert amount_for(CAPACITY, D(quantity)) == expected


@pytest.mark.parametrize("quantity", ["200.001", "201", "1000000000000"])
def test_capacity_above_the_last_bounded_tier_is_refused(quantity: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        amount_for(CAPACITY, D(quantity))
    assert pointers(info) == ["/quantity"]


def test_capacity_with_an_unbounded_last_tier() -> None:
    price = Price(
        "EUR",
        PricingModel.CAPACITY,
        tiers=(Tier(D(10), flat_price=D("49.00")), Tier(None, flat_price=D("999.00"))),
    )
    assert amount_for(price, D(11)) == 99900
    assert amount_for(price, D(10**12)) == 99900


# --- JPY (no minor digits) --------------------------------------------------------------------


def test_jpy_prices() -> None:
    assert amount_for(Price("JPY", PricingModel.FLAT, amount=D(1000)), D(1)) == 1000
    per_call = Price("JPY", PricingModel.PER_UNIT, amount=D("0.5"))
    assert exact_amount(per_call, D(3)) == D("1.5")
    assert amount_for(per_call, D(3)) == 2  # 1.5 yen, half up
    assert amount_for(per_call, D(1_000_001)) == 500_001  # 500 000.5 yen
    graduated = Price(
        "JPY",
        PricingModel.GRADUATED,
        tiers=(Tier(D(10), unit_price=D(100)), Tier(None, unit_price=D(80), flat_price=D(500))),
    )
    assert amount_for(graduated, D(12)) == 1660  # 1000 + 160 + 500
    assert amount_for(Price("JPY", PricingModel.PER_UNIT, amount=D("0.000001")), D(10**6)) == 1


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [D(-1), D("-0.001"), D("NaN"), D("Infinity")])
def test_invalid_quantities_are_refused(quantity: Decimal) -> None:
    with pytest.raises(ValidationFailed) as info:
        amount_for(GRADUATED, quantity)
    assert pointers(info) == ["/quantity"]


def test_float_quantities_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        amount_for(GRADUATED, 1.5)  # type: ignore[arg-type]


def test_pricing_an_invalid_price_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        amount_for(Price("EUR", PricingModel.PER_UNIT, amount=D(-1)), D(1))
    assert pointers(info) == ["/amount"]


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "price",
    [
        Price("EUR", PricingModel.FLAT, amount=D("14.90")),
        Price("EUR", PricingModel.FLAT, amount=D("14.900")),  # trailing zeros are fine
        Price("EUR", PricingModel.FLAT),
        Price("EUR", PricingModel.PER_UNIT, amount=D("0.00000001")),
        Price("JPY", PricingModel.PER_UNIT, amount=D("0.000001")),
        Price("JPY", PricingModel.FLAT, amount=D("1E+3")),
        Price("EUR", PricingModel.PACKAGE, amount=D("2.50"), package_size=D("0.5")),
        GRADUATED,
        VOLUME,
        CAPACITY,
    ],
)
def test_valid_prices_are_returned_unchanged(price: Price) -> None:
    assert validate_price(price) is price


def test_unit_price_limit_is_six_places_beyond_the_minor_unit() -> None:
    assert UNIT_PRICE_EXTRA_PLACES == 6


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (Price("XYZ", PricingModel.FLAT, amount=D(1)), ["/currency"]),
        (Price("eur", PricingModel.FLAT, amount=D(1)), ["/currency"]),
        (Price("EUR", PricingModel.FLAT, amount=D(-1)), ["/amount"]),
        (Price("EUR", PricingModel.PER_UNIT, amount=D("-0.01")), ["/amount"]),
        (Price("EUR", PricingModel.FLAT, amount=D("14.905")), ["/amount"]),
        (Price("JPY", PricingModel.FLAT, amount=D("1000.5")), ["/amount"]),
        (Price("EUR", PricingModel.PER_UNIT, amount=D("0.000000001")), ["/amount"]),
        (Price("JPY", PricingModel.PER_UNIT, amount=D("0.0000001")), ["/amount"]),
        (Price("EUR", PricingModel.FLAT, amount=D("NaN")), ["/amount"]),
        (Price("EUR", PricingModel.FLAT, tiers=(Tier(None),)), ["/tiers"]),
        (Price("EUR", PricingModel.PER_UNIT, amount=D(1), tiers=(Tier(None),)), ["/tiers"]),
        (Price("EUR", PricingModel.PACKAGE, amount=D(1)), ["/package_size"]),
        (Price("EUR", PricingModel.PACKAGE, amount=D(1), package_size=D(0)), ["/package_size"]),
        (Price("EUR", PricingModel.PACKAGE, amount=D(1), package_size=D(-5)), ["/package_size"]),
        (Price("EUR", PricingModel.PACKAGE, amount=D("2.505"), package_size=D(1)), ["/amount"]),
        (Price("EUR", PricingModel.FLAT, package_size=D(10)), ["/package_size"]),
        (Price("EUR", PricingModel.GRADUATED), ["/tiers"]),
        (Price("EUR", PricingModel.VOLUME), ["/tiers"]),
        (Price("EUR", PricingModel.CAPACITY), ["/tiers"]),
        (Price("EUR", PricingModel.GRADUATED, amount=D(1), tiers=(Tier(None),)), ["/amount"]),
        (
            Price("EUR", PricingModel.GRADUATED, tiers=(Tier(D(10)), Tier(D(10)), Tier(None))),
            ["/tiers/1/up_to"],
        ),
        (
            Price("EUR", PricingModel.VOLUME, tiers=(Tier(D(10)), Tier(D(5)), Tier(None))),
            ["/tiers/1/up_to"],
        ),
        (
            Price("EUR", PricingModel.GRADUATED, tiers=(Tier(None), Tier(None))),
            ["/tiers/0/up_to"],
        ),
        (Price("EUR", PricingModel.GRADUATED, tiers=(Tier(D(10)),)), ["/tiers/0/up_to"]),
        (
            Price("EUR", PricingModel.VOLUME, tiers=(Tier(D(10)), Tier(D(20)))),
            ["/tiers/1/up_to"],
        ),
        (Price("EUR", PricingModel.VOLUME, tiers=(Tier(D(0)), Tier(None))), ["/tiers/0/up_to"]),
        (
            Price("EUR", PricingModel.GRADUATED, tiers=(Tier(D(10)), Tier(None, D("-0.01")))),
            ["/tiers/1/unit_price"],
        ),
        (
            Price("EUR", PricingModel.GRADUATED, tiers=(Tier(None, D("0.000000001")),)),
            ["/tiers/0/unit_price"],
        ),
        (
            Price("EUR", PricingModel.VOLUME, tiers=(Tier(None, flat_price=D("-1")),)),
            ["/tiers/0/flat_price"],
        ),
        (
            Price("EUR", PricingModel.VOLUME, tiers=(Tier(None, flat_price=D("0.001")),)),
            ["/tiers/0/flat_price"],
        ),
        (
            Price("EUR", PricingModel.CAPACITY, tiers=(Tier(D(10), unit_price=D(1)),)),
            ["/tiers/0/unit_price"],
        ),
        (
            Price("EUR", PricingModel.CAPACITY, tiers=(Tier(None), Tier(D(10)))),
            ["/tiers/0/up_to"],
        ),
        (
            Price("EUR", PricingModel.CAPACITY, tiers=(Tier(D(20)), Tier(D(10)))),
            ["/tiers/1/up_to"],
        ),
    ],
)
def test_validation_names_the_field(price: Price, expected: list[str]) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_price(price)
    assert pointers(info) == expected


def test_validation_reports_every_problem_below_the_pointer() -> None:
    price = Price(
        "EUR",
        PricingModel.GRADUATED,
        tiers=(
            Tier(D(100), unit_price=D("-1")),
            Tier(D(50), flat_price=D("0.001")),
            Tier(D(200)),
        ),
    )
    with pytest.raises(ValidationFailed) as info:
        validate_price(price, "/prices/2")
    assert pointers(info) == [
        "/prices/2/tiers/0/unit_price",
        "/prices/2/tiers/1/up_to",
        "/prices/2/tiers/1/flat_price",
        "/prices/2/tiers/2/up_to",  # a bounded last tier
    ]
    assert info.value.status == 422


def test_an_unknown_currency_still_reports_the_other_problems() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_price(Price("XXQ", PricingModel.FLAT, amount=D(-1)), "/price")
    assert pointers(info) == ["/price/currency", "/price/amount"]


# --- properties -------------------------------------------------------------------------------

unit_prices = st.decimals(min_value=0, max_value=1000, places=8)
fees = st.decimals(min_value=0, max_value=1000, places=2)


@st.composite
def tier_tuples(draw: st.DrawFn) -> tuple[Tier, ...]:
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=10_000), max_size=4)))
    limits: list[Decimal | None] = [D(b) for b in bounds]
    limits.append(None)
    return tuple(Tier(limit, draw(unit_prices), draw(fees)) for limit in limits)


quantities = st.decimals(min_value=0, max_value=20_000, places=3)


@FAST
@given(tiers=tier_tuples(), quantity=quantities)
def test_graduated_is_monotonic(tiers: tuple[Tier, ...], quantity: Decimal) -> None:
    price = Price("EUR", PricingModel.GRADUATED, tiers=tiers)
    lower = exact_amount(price, quantity)
    higher = exact_amount(price, quantity + 1)
    assert 0 <= lower <= higher
    assert amount_for(price, quantity) <= amount_for(price, quantity + 1)


@FAST
@given(tiers=tier_tuples(), data=st.data())
def test_volume_and_graduated_agree_within_the_first_tier(
    tiers: tuple[Tier, ...], data: st.DataObject
) -> None:
    first = tiers[0].up_to
    upper = D(20_000) if first is None else first
    quantity = data.draw(st.decimals(min_value=0, max_value=upper, places=3))
    graduated = Price("EUR", PricingModel.GRADUATED, tiers=tiers)
    volume = Price("EUR", PricingModel.VOLUME, tiers=tiers)
    assert exact_amount(graduated, quantity) == exact_amount(volume, quantity)


@FAST
@given(
    unit_price=unit_prices,
    a=st.decimals(min_value=0, max_value=10**6, places=4),
    b=st.decimals(min_value=0, max_value=10**6, places=4),
    k=st.integers(min_value=0, max_value=1000),
)
def test_per_unit_is_linear(unit_price: Decimal, a: Decimal, b: Decimal, k: int) -> None:
    price = Price("EUR", PricingModel.PER_UNIT, amount=unit_price)
    assert exact_amount(price, a + b) == exact_amount(price, a) + exact_amount(price, b)
    assert exact_amount(price, a * k) == exact_amount(price, a) * k
    assert exact_amount(price, D(1)) == unit_price * 100


@FAST
@given(
    amount=fees,
    size=st.decimals(min_value=D("0.01"), max_value=1000, places=2),
    blocks=st.integers(min_value=0, max_value=10**6),
    hundredths=st.integers(min_value=1, max_value=100),
)
def test_package_is_a_step_function(
    amount: Decimal, size: Decimal, blocks: int, hundredths: int
) -> None:
    price = Price("EUR", PricingModel.PACKAGE, amount=amount, package_size=size)
    quantity = (blocks + D(hundredths) / 100) * size  # inside block number blocks + 1
    assert exact_amount(price, quantity) == (blocks + 1) * amount * 100
    assert exact_amount(price, blocks * size) == blocks * amount * 100


@FAST
@given(
    tiers=tier_tuples(),
    prefix=st.sampled_from(["", "/price", "/prices/3"]),
    data=st.data(),
)
def test_validation_names_the_broken_tier(
    tiers: tuple[Tier, ...], prefix: str, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(tiers) - 1))
    broken = list(tiers)
    broken[index] = Tier(tiers[index].up_to, D("-0.01"), tiers[index].flat_price)
    price = Price("EUR", PricingModel.GRADUATED, tiers=tuple(broken))
    with pytest.raises(ValidationFailed) as info:
        validate_price(price, prefix)
    assert pointers(info) == [f"{prefix}/tiers/{index}/unit_price"]


@FAST
@given(tiers=tier_tuples().filter(lambda t: len(t) >= 3), data=st.data())
def test_validation_names_the_non_increasing_limit(
    tiers: tuple[Tier, ...], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=1, max_value=len(tiers) - 2))
    previous = tiers[index - 1].up_to
    assert previous is not None
    broken = list(tiers)
    broken[index] = Tier(previous, tiers[index].unit_price, tiers[index].flat_price)
    with pytest.raises(ValidationFailed) as info:
        validate_price(Price("EUR", PricingModel.VOLUME, tiers=tuple(broken)), "/p")
    assert pointers(info) == [f"/p/tiers/{index}/up_to"]
