"""Tax per rate on the invoice's sum per rate, half-up (away from zero), net or gross prices.

Expected values are worked out by hand in the comments. The property tests compare against a
reference written with ``fractions.Fraction`` (no ``Decimal``, no decimal context involved)."""

from __future__ import annotations

from decimal import (
    ROUND_FLOOR,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
    localcontext,
)
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.tax.rules import LineTax, TaxTreatment
from turnus.domain.tax.totals import (
    TaxGroup,
    net_of_gross,
    tax_groups,
    tax_of_gross,
    tax_of_net,
)

T = TaxTreatment
DE19 = LineTax(T.DOMESTIC, Decimal(19), "DE")
DE7 = LineTax(T.DOMESTIC, Decimal(7), "DE")
AT20 = LineTax(T.OSS, Decimal(20), "AT")
FR20 = LineTax(T.OSS, Decimal(20), "FR")
CY19 = LineTax(T.OSS, Decimal(19), "CY")
FI255 = LineTax(T.OSS, Decimal("25.5"), "FI")
RC = LineTax(T.REVERSE_CHARGE, Decimal(0), "")
EXPORT = LineTax(T.EXPORT, Decimal(0), "")


def half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero."""
    magnitude = abs(value)
    rounded = (magnitude.numerator * 2 + magnitude.denominator) // (2 * magnitude.denominator)
    return rounded if value >= 0 else -rounded


# --- the examples of the specification --------------------------------------------------------


def test_tax_is_computed_on_the_sum_per_rate_not_per_line() -> None:
    # 999 x 0.19 = 189.81 -> 190 (per line: 333 x 0.19 = 63.27 -> 63, x 3 = 189)
    groups = tax_groups([(DE19, 333), (DE19, 333), (DE19, 333)], prices_include_tax=False)
    assert groups == [TaxGroup(T.DOMESTIC, "DE", Decimal(19), net=999, tax=190, gross=1189)]


def test_gross_prices_take_the_tax_out_of_the_sum() -> None:
    # 11900 x 19 / 119 = 1900 exactly
    groups = tax_groups([(DE19, 11900)], prices_include_tax=True)
    assert groups == [TaxGroup(T.DOMESTIC, "DE", Decimal(19), net=10000, tax=1900, gross=11900)]


def test_gross_mode_sums_before_rounding() -> None:
    # 3 x 333 = 999 gross; 999 x 19 / 119 = 159.504... -> 160, net 839
    # (per line: 333 x 19 / 119 = 53.168 -> 53, x 3 = 159)
    groups = tax_groups([(DE19, 333)] * 3, prices_include_tax=True)
    assert groups == [TaxGroup(T.DOMESTIC, "DE", Decimal(19), net=839, tax=160, gross=999)]


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "rate", "tax"),
    [
        (50, "19", 10),  # 9.5 -> 10
        (-50, "19", -10),  # -9.5 -> -10 (away from zero)
        (150, "7", 11),  # 10.5 -> 11
        (-150, "7", -11),
        (149, "7", 10),  # 10.43 -> 10
        (1000, "25.5", 255),
        (1001, "5.5", 55),  # 55.055 -> 55
        (1010, "5.5", 56),  # 55.55 -> 56
        (100, "13.5", 14),  # 13.5 -> 14
        (0, "19", 0),
        (12345, "0", 0),
        (10**30, "19", 19 * 10**28),
    ],
)
def test_tax_of_net(net: int, rate: str, tax: int) -> None:
    assert tax_of_net(net, Decimal(rate)) == tax


@pytest.mark.parametrize(
    ("gross", "rate", "tax"),
    [
        (11900, "19", 1900),
        (100, "19", 16),  # 15.966 -> 16
        (-100, "19", -16),
        (107, "7", 7),  # exactly 7
        (1255, "25.5", 255),  # exactly 255
        (119, "19", 19),
        (1, "19", 0),  # 0.159 -> 0
        (3, "20", 1),  # 0.5 -> 1
        (-3, "20", -1),  # -0.5 -> -1
        (12345, "0", 0),
    ],
)
def test_tax_of_gross(gross: int, rate: str, tax: int) -> None:
    assert tax_of_gross(gross, Decimal(rate)) == tax


@pytest.mark.parametrize(
    ("amount", "rate", "net"),
    [
        (11900, "19", 10000),
        (100, "19", 84),  # 84.03 -> 84
        (-11900, "19", -10000),
        (107, "7", 100),
        (1490, "19", 1252),  # 1252.10 -> 1252
        (1, "7", 1),  # 0.93 -> 1
        (12345, "0", 12345),
        (1255, "25.5", 1000),
    ],
)
def test_net_of_gross(amount: int, rate: str, net: int) -> None:
    assert net_of_gross(amount, Decimal(rate)) == net


def test_credits_mirror_invoices() -> None:
    invoice = tax_groups([(DE19, 333), (DE7, 150), (AT20, 5)], prices_include_tax=False)
    credit = tax_groups([(DE19, -333), (DE7, -150), (AT20, -5)], prices_include_tax=False)
    assert [(g.net, g.tax, g.gross) for g in credit] == [
        (-g.net, -g.tax, -g.gross) for g in invoice
    ]


def test_a_line_and_its_credit_cancel_out() -> None:
    groups = tax_groups([(DE19, 1000), (DE19, -1000)], prices_include_tax=False)
    assert groups == [TaxGroup(T.DOMESTIC, "DE", Decimal(19), 0, 0, 0)]


# --- grouping and order -----------------------------------------------------------------------


def test_groups_by_treatment_country_and_rate_in_a_stable_order() -> None:
    lines = [
        (RC, 5000),
        (DE7, 200),
        (FR20, 300),
        (DE19, 100),
        (CY19, 400),
        (AT20, 500),
        (EXPORT, 700),
        (DE19, 100),
        (FI255, 1000),
    ]
    groups = tax_groups(lines, prices_include_tax=False)
    assert [(g.treatment, g.country, g.rate, g.net, g.tax) for g in groups] == [
        (T.OSS, "FI", Decimal("25.5"), 1000, 255),
        (T.OSS, "AT", Decimal(20), 500, 100),
        (T.OSS, "FR", Decimal(20), 300, 60),
        (T.DOMESTIC, "DE", Decimal(19), 200, 38),
        (T.OSS, "CY", Decimal(19), 400, 76),
        (T.DOMESTIC, "DE", Decimal(7), 200, 14),
        (T.REVERSE_CHARGE, "", Decimal(0), 5000, 0),
        (T.EXPORT, "", Decimal(0), 700, 0),
    ]


def test_order_does_not_depend_on_input_order() -> None:
    lines = [(RC, 1), (DE7, 2), (FR20, 3), (DE19, 4), (CY19, 5), (AT20, 6), (EXPORT, 7)]
    assert tax_groups(lines, False) == tax_groups(list(reversed(lines)), False)


def test_equal_rates_written_differently_share_a_group() -> None:
    groups = tax_groups([(DE19, 100), (LineTax(T.DOMESTIC, Decimal("19.00"), "DE"), 100)], False)
    assert len(groups) == 1
    assert (groups[0].net, groups[0].tax) == (200, 38)


def test_untaxed_groups_in_gross_mode() -> None:
    # the caller passes the catalog gross price without the home VAT for untaxed lines
    amount = net_of_gross(11900, Decimal(19))
    groups = tax_groups([(RC, amount), (DE19, 11900)], prices_include_tax=True)
    assert groups == [
        TaxGroup(T.DOMESTIC, "DE", Decimal(19), 10000, 1900, 11900),
        TaxGroup(T.REVERSE_CHARGE, "", Decimal(0), 10000, 0, 10000),
    ]


def test_no_lines_no_groups() -> None:
    assert tax_groups([], prices_include_tax=False) == []
    assert tax_groups(iter(()), prices_include_tax=True) == []


# --- input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1.5, Decimal(1), True, "100"])
def test_amounts_must_be_int_minor_units(amount: object) -> None:
    with pytest.raises(TypeError):
        tax_groups([(DE19, amount)], prices_include_tax=False)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        net_of_gross(amount, Decimal(19))  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal("NaN"), Decimal("Infinity"), 19, 0.19])
def test_rates_must_be_finite_non_negative_decimals(rate: object) -> None:
    line = LineTax(T.DOMESTIC, rate, "DE")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="VAT rate"):
        tax_groups([(line, 100)], prices_include_tax=False)
    with pytest.raises(ValueError, match="VAT rate"):
        tax_of_gross(100, rate)  # type: ignore[arg-type]


def test_absurd_amounts_are_refused_rather_than_rounded() -> None:
    with pytest.raises(ValueError, match="too large"):
        tax_of_net(10**950, Decimal(19))


# --- context independence and properties ------------------------------------------------------


def test_results_do_not_depend_on_the_callers_decimal_context() -> None:
    lines = [(DE19, 333), (DE19, 333), (DE19, 333), (FI255, 12345), (DE7, -150), (RC, 9)]
    expected_net = tax_groups(lines, prices_include_tax=False)
    expected_gross = tax_groups(lines, prices_include_tax=True)
    with localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = ROUND_FLOOR
        ctx.traps[Inexact] = True
        ctx.traps[Rounded] = True
        ctx.traps[InvalidOperation] = True
        assert tax_groups(lines, prices_include_tax=False) == expected_net
        assert tax_groups(lines, prices_include_tax=True) == expected_gross
        assert net_of_gross(1490, Decimal(19)) == 1252
        assert tax_of_gross(10**20 + 1, Decimal("25.5")) == half_up(
            Fraction(10**20 + 1) * Fraction(255, 10) / Fraction(1255, 10)
        )


RATES = st.one_of(
    st.sampled_from(
        [Decimal(r) for r in ("0", "3", "5", "5.5", "7", "9.5", "13.5", "16", "19", "25.5", "27")]
    ),
    st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False),
)
AMOUNTS = st.integers(min_value=-(10**12), max_value=10**12)


@given(amount=AMOUNTS, rate=RATES)
def test_single_amounts_match_the_fraction_reference(amount: int, rate: Decimal) -> None:
    exact_rate = Fraction(rate)
    assert tax_of_net(amount, rate) == half_up(amount * exact_rate / 100)
    assert tax_of_gross(amount, rate) == half_up(amount * exact_rate / (100 + exact_rate))
    assert net_of_gross(amount, rate) == half_up(amount * Fraction(100) / (100 + exact_rate))
    assert tax_of_net(-amount, rate) == -tax_of_net(amount, rate)
    assert tax_of_gross(-amount, rate) == -tax_of_gross(amount, rate)


LINE_TAXES = st.sampled_from([DE19, DE7, AT20, FR20, CY19, FI255, RC, EXPORT])


@given(
    lines=st.lists(st.tuples(LINE_TAXES, AMOUNTS), max_size=20),
    prices_include_tax=st.booleans(),
)
def test_groups_match_the_reference(
    lines: list[tuple[LineTax, int]], prices_include_tax: bool
) -> None:
    groups = tax_groups(lines, prices_include_tax)
    sums: dict[tuple[TaxTreatment, str, Decimal], int] = {}
    for line, amount in lines:
        key = (line.treatment, line.country, line.rate)
        sums[key] = sums.get(key, 0) + amount
    assert {(g.treatment, g.country, g.rate) for g in groups} == set(sums)
    assert len(groups) == len(sums)
    for group in groups:
        total = sums[(group.treatment, group.country, group.rate)]
        rate = Fraction(group.rate)
        assert group.net + group.tax == group.gross
        if prices_include_tax:
            assert group.gross == total
            assert group.tax == half_up(total * rate / (100 + rate))
        else:
            assert group.net == total
            assert group.tax == half_up(total * rate / 100)
        if group.rate == 0:
            assert group.tax == 0
    order = list(TaxTreatment)
    keys = [(-g.rate, order.index(g.treatment), g.country) for g in groups]
    assert keys == sorted(keys)
    if lines:
        negated = tax_groups([(line, -amount) for line, amount in lines], prices_include_tax)
        assert [(g.net, g.tax, g.gross) for g in negated] == [
            (-g.net, -g.tax, -g.gross) for g in groups
        ]
