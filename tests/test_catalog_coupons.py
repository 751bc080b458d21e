"""Coupons: codes, validation, redemption checks and THE STACKING RULE.

Every expected amount below is computed by hand (in the comments); amounts are minor units.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.coupons import (
    ActiveDiscount,
    Charge,
    ChargeKey,
    Coupon,
    CouponTargets,
    DiscountDuration,
    DiscountKind,
    DiscountLine,
    apply_discounts,
    check_redeemable,
    discount_active_for_period,
    normalize_code,
    validate_coupon,
)
from turnus.domain.errors import ValidationFailed

D = Decimal
FAST = settings(max_examples=80, deadline=None)

PLAN = ChargeKey(plan_id="plan_box", variant_id="var_monthly")
COMPONENT = ChargeKey(plan_id="plan_box", component_id="cmp_extra")
OTHER_PLAN = ChargeKey(plan_id="plan_other", variant_id="var_other")


def percent(
    p: str,
    *,
    id: str = "cpn_pct",
    targets: CouponTargets = CouponTargets(),
    duration: DiscountDuration = DiscountDuration.FOREVER,
    duration_periods: int | None = None,
) -> Coupon:
    return Coupon(
        id=id,
        code="PCT-" + id.upper(),
        kind=DiscountKind.PERCENT,
        percent=D(p),
        duration=duration,
        duration_periods=duration_periods,
        targets=targets,
    )


def fixed(
    *amounts: tuple[str, int],
    id: str = "cpn_fix",
    targets: CouponTargets = CouponTargets(),
) -> Coupon:
    return Coupon(
        id=id,
        code="FIX-" + id.upper(),
        kind=DiscountKind.FIXED_AMOUNT,
        amounts=amounts,
        duration=DiscountDuration.FOREVER,
        targets=targets,
    )


def pointers(info: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [error.pointer for error in info.value.errors]


def reason(info: pytest.ExceptionInfo[ValidationFailed]) -> str:
    assert pointers(info) == ["/coupon_code"]
    return info.value.errors[0].reason


def totals_by_line(lines: list[DiscountLine]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.line_id] = totals.get(line.line_id, 0) + line.amount
    return totals


# --- codes --------------------------------------------------------------------------------


def test_codes_are_case_insensitive() -> None:
    assert normalize_code("summer-24") == normalize_code("SUMMER-24") == "SUMMER-24"
    assert normalize_code("  Summer_24\n") == "SUMMER_24"


@pytest.mark.parametrize("code", ["abc", "A" * 40, "0-_", "x9Y"])
def test_code_lengths_and_characters_accepted(code: str) -> None:
    assert normalize_code(code) == code.upper()


@pytest.mark.parametrize(
    "code",
    [
        "ab",  # too short
        "   ab   ",  # too short once stripped
        "A" * 41,  # too long
        "",
        "summer 24",  # inner space
        "summer.24",
        "straße",  # "ß".upper() is "SS": must not sneak in as ASCII
        "k\u0131l\u0131\u00e7",  # DOTLESS I upper-cases to "I"
        "\u212aelvin",  # KELVIN SIGN
        "\uff33\uff35\uff2d\uff2d\uff25\uff32",  # FULLWIDTH "SUMMER"
    ],
)
def test_bad_codes_are_refused_at_code(code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        normalize_code(code)
    assert pointers(info) == ["/code"]


def test_non_string_code_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        normalize_code(123)  # type: ignore[arg-type]
    assert pointers(info) == ["/code"]


# --- validation ---------------------------------------------------------------------------


def test_valid_coupons_come_back_with_the_code_normalized() -> None:
    coupon = replace(percent("20"), code=" summer-24 ")
    assert validate_coupon(coupon) == replace(coupon, code="SUMMER-24")
    repeating = percent("12.5", duration=DiscountDuration.REPEATING, duration_periods=3)
    assert validate_coupon(repeating) == repeating
    money_off = replace(
        fixed(("EUR", 500), ("CHF", 500), ("JPY", 700)),
        valid_from=date(2024, 6, 1),
        valid_until=date(2024, 6, 1),  # a one-day coupon
        max_redemptions=1,
        max_redemptions_per_customer=1,
    )
    assert validate_coupon(money_off) == money_off


@pytest.mark.parametrize("value", ["100", "0.01", "33.33", "12.500", "50"])
def test_percent_accepted(value: str) -> None:
    validate_coupon(percent(value))


@pytest.mark.parametrize(
    "value", ["0", "-5", "100.01", "101", "33.333", "0.001", "NaN", "Infinity"]
)
def test_percent_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_coupon(percent(value))
    assert pointers(info) == ["/percent"]


def test_percent_must_be_a_decimal() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_coupon(replace(percent("20"), percent=20.0))  # type: ignore[arg-type]
    assert pointers(info) == ["/percent"]


@pytest.mark.parametrize(
    ("coupon", "expected"),
    [
        (replace(percent("20"), percent=None), ["/percent"]),
        (replace(percent("20"), amounts=(("EUR", 500),)), ["/amounts"]),
        (replace(fixed(("EUR", 500)), percent=D(10)), ["/percent"]),
        (fixed(), ["/amounts"]),
        (fixed(("EUR", 0)), ["/amounts/0"]),
        (fixed(("EUR", -100)), ["/amounts/0"]),
        (fixed(("EUR", True)), ["/amounts/0"]),  # a bool is no amount
        (fixed(("EUR", 5.0)), ["/amounts/0"]),  # type: ignore[arg-type]
        (fixed(("eur", 500)), ["/amounts/0"]),
        (fixed(("XXY", 500)), ["/amounts/0"]),
        (fixed(("EUR", 500), ("EUR", 700)), ["/amounts/1"]),
        (replace(percent("20"), duration=DiscountDuration.REPEATING), ["/duration_periods"]),
        (
            percent("20", duration=DiscountDuration.REPEATING, duration_periods=0),
            ["/duration_periods"],
        ),
        (
            percent("20", duration=DiscountDuration.ONCE, duration_periods=1),
            ["/duration_periods"],
        ),
        (
            percent("20", duration=DiscountDuration.FOREVER, duration_periods=2),
            ["/duration_periods"],
        ),
        (
            replace(percent("20"), valid_from=date(2024, 6, 2), valid_until=date(2024, 6, 1)),
            ["/valid_until"],
        ),
        (replace(percent("20"), max_redemptions=0), ["/max_redemptions"]),
        (replace(percent("20"), max_redemptions_per_customer=0), ["/max_redemptions_per_customer"]),
        (replace(percent("20"), code="x"), ["/code"]),
        (replace(percent("20"), id=""), ["/id"]),
        (replace(percent("20"), kind="bogus"), ["/kind"]),  # type: ignore[arg-type]
        (replace(percent("20"), duration="weekly"), ["/duration"]),  # type: ignore[arg-type]
        (
            percent("20", targets=CouponTargets(plan_ids=frozenset({""}))),
            ["/targets/plan_ids"],
        ),
    ],
)
def test_one_field_error_per_problem(coupon: Coupon, expected: list[str]) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_coupon(coupon)
    assert pointers(info) == expected


def test_all_problems_are_reported_below_the_pointer() -> None:
    coupon = Coupon(
        id="cpn_1",
        code="no",
        kind=DiscountKind.PERCENT,
        percent=D("150"),
        duration=DiscountDuration.REPEATING,
        valid_from=date(2024, 2, 1),
        valid_until=date(2024, 1, 31),
        max_redemptions=0,
        max_redemptions_per_customer=-1,
    )
    with pytest.raises(ValidationFailed) as info:
        validate_coupon(coupon, "/coupons/2")
    assert pointers(info) == [
        "/coupons/2/code",
        "/coupons/2/percent",
        "/coupons/2/duration_periods",
        "/coupons/2/valid_until",
        "/coupons/2/max_redemptions",
        "/coupons/2/max_redemptions_per_customer",
    ]


# --- redemption ---------------------------------------------------------------------------

TODAY = date(2024, 6, 15)


def redeem(coupon: Coupon, **overrides: object) -> None:
    arguments: dict[str, object] = {
        "today": TODAY,
        "currency": "EUR",
        "total_redemptions": 0,
        "customer_redemptions": 0,
        "charge_keys": [PLAN, COMPONENT],
    }
    arguments.update(overrides)
    check_redeemable(coupon, **arguments)  # type: ignore[arg-type]


def test_a_plain_coupon_is_redeemable() -> None:
    redeem(percent("20"))
    redeem(fixed(("EUR", 500)))


def test_inactive_coupon_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        redeem(replace(percent("20"), active=False))
    assert "no longer active" in reason(info)


def test_validity_window_is_inclusive() -> None:
    coupon = replace(percent("20"), valid_from=date(2024, 6, 10), valid_until=date(2024, 6, 20))
    redeem(coupon, today=date(2024, 6, 10))
    redeem(coupon, today=date(2024, 6, 20))
    with pytest.raises(ValidationFailed) as info:
        redeem(coupon, today=date(2024, 6, 9))
    assert reason(info) == "the coupon is not valid before 2024-06-10"
    with pytest.raises(ValidationFailed) as info:
        redeem(coupon, today=date(2024, 6, 21))
    assert reason(info) == "the coupon expired on 2024-06-20"


def test_total_redemption_limit() -> None:
    coupon = replace(percent("20"), max_redemptions=100)
    redeem(coupon, total_redemptions=99)  # the 100th redemption
    with pytest.raises(ValidationFailed) as info:
        redeem(coupon, total_redemptions=100)
    assert "redemption limit" in reason(info)


def test_per_customer_redemption_limit() -> None:
    coupon = replace(percent("20"), max_redemptions_per_customer=2)
    redeem(coupon, customer_redemptions=1)
    with pytest.raises(ValidationFailed) as info:
        redeem(coupon, customer_redemptions=2)
    assert "customer has already redeemed" in reason(info)


def test_fixed_amount_needs_an_amount_in_the_contract_currency() -> None:
    coupon = fixed(("EUR", 500))
    with pytest.raises(ValidationFailed) as info:
        redeem(coupon, currency="CHF")
    assert reason(info) == "the coupon has no amount in CHF"
    redeem(percent("20"), currency="CHF")  # a percentage works in every currency


def test_coupon_must_apply_to_one_of_the_charges() -> None:
    by_plan = percent("20", targets=CouponTargets(plan_ids=frozenset({"plan_other"})))
    with pytest.raises(ValidationFailed) as info:
        redeem(by_plan)
    assert reason(info) == "the coupon does not apply to this plan"
    redeem(by_plan, charge_keys=[PLAN, OTHER_PLAN])
    by_variant = percent("20", targets=CouponTargets(variant_ids=frozenset({"var_monthly"})))
    redeem(by_variant, charge_keys=iter([PLAN]))  # any iterable
    by_component = percent("20", targets=CouponTargets(component_ids=frozenset({"cmp_extra"})))
    redeem(by_component, charge_keys=[COMPONENT])
    with pytest.raises(ValidationFailed):
        redeem(by_component, charge_keys=[PLAN])
    with pytest.raises(ValidationFailed) as info:
        redeem(percent("20"), charge_keys=[])  # nothing to apply to
    assert reason(info) == "the coupon does not apply to this plan"


def test_the_first_reason_wins_in_the_documented_order() -> None:
    everything_wrong = replace(
        fixed(("EUR", 500), targets=CouponTargets(plan_ids=frozenset({"plan_other"}))),
        active=False,
        valid_from=date(2024, 7, 1),
        max_redemptions=1,
        max_redemptions_per_customer=1,
    )
    steps = [
        ("no longer active", {"active": True}),
        ("not valid before", {"valid_from": None, "valid_until": date(2024, 6, 1)}),
        ("expired", {"valid_until": None}),
        ("redemption limit", {"max_redemptions": None}),
        ("customer has already", {"max_redemptions_per_customer": None}),
        ("no amount in CHF", {"amounts": (("CHF", 500),)}),
        ("does not apply", {"targets": CouponTargets()}),
    ]
    coupon = everything_wrong
    for expected, fix in steps:
        with pytest.raises(ValidationFailed) as info:
            redeem(coupon, currency="CHF", total_redemptions=1, customer_redemptions=1)
        assert expected in reason(info)
        coupon = replace(coupon, **fix)  # type: ignore[arg-type]
    redeem(coupon, currency="CHF", total_redemptions=1, customer_redemptions=1)


# --- duration -----------------------------------------------------------------------------


def test_once_discounts_only_the_first_period() -> None:
    coupon = percent("20", duration=DiscountDuration.ONCE)
    assert [discount_active_for_period(coupon, n) for n in range(3)] == [True, False, False]


def test_repeating_discounts_the_first_n_periods() -> None:
    coupon = percent("20", duration=DiscountDuration.REPEATING, duration_periods=3)
    assert [discount_active_for_period(coupon, n) for n in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_forever_discounts_every_period() -> None:
    coupon = percent("20", duration=DiscountDuration.FOREVER)
    assert all(discount_active_for_period(coupon, n) for n in (0, 1, 12, 10_000))


def test_negative_period_count_is_a_bug() -> None:
    with pytest.raises(ValueError):
        discount_active_for_period(percent("20"), -1)


# --- stacking: hand-computed examples -------------------------------------------------------

# A box at 14.90 EUR (1490) and an extra component at 14.90 EUR x 3 units (4470).
BOX = Charge("line_box", PLAN, 1490)
EXTRAS = Charge("line_extras", COMPONENT, 4470)


def active(coupon: Coupon, order: int, discount_id: str | None = None) -> ActiveDiscount:
    return ActiveDiscount(discount_id or f"dsc_{coupon.id}", coupon, order)


def test_twenty_percent_on_a_plan_and_a_component() -> None:
    # 20 % of 1490 = 298.0; 20 % of 4470 = 894.0; 5960 - 1192 = 4768 left
    lines = apply_discounts([BOX, EXTRAS], [active(percent("20"), 1, "dsc_a")], "EUR")
    assert lines == [
        DiscountLine("dsc_a", "line_box", -298),
        DiscountLine("dsc_a", "line_extras", -894),
    ]


def test_twenty_percent_then_five_euro_fixed() -> None:
    # rule 2 first: 1490 - 298 = 1192, 4470 - 894 = 3576
    # rule 3: 500 from the first line in line order: 1192 - 500 = 692
    # left: 692 + 3576 = 4268 = 5960 - 298 - 894 - 500
    discounts = [active(fixed(("EUR", 500)), 2, "dsc_f"), active(percent("20"), 1, "dsc_p")]
    lines = apply_discounts([BOX, EXTRAS], discounts, "EUR")
    assert lines == [
        DiscountLine("dsc_p", "line_box", -298),
        DiscountLine("dsc_f", "line_box", -500),
        DiscountLine("dsc_p", "line_extras", -894),
    ]


def test_fixed_before_percent_in_redemption_order_still_applies_after_the_percentage() -> None:
    # redeemed first, but rule 2 puts percentages first: the result is the same as above
    discounts = [active(fixed(("EUR", 500)), 1, "dsc_f"), active(percent("20"), 2, "dsc_p")]
    assert totals_by_line(apply_discounts([BOX, EXTRAS], discounts, "EUR")) == {
        "line_box": -798,  # 298 + 500
        "line_extras": -894,
    }


def test_fixed_amount_spills_over_to_the_next_line() -> None:
    # after 20 %: 1192 and 3576; 15.00 EUR = 1500: 1192 from the box, 308 from the extras
    discounts = [active(percent("20"), 1, "dsc_p"), active(fixed(("EUR", 1500)), 2, "dsc_f")]
    lines = apply_discounts([BOX, EXTRAS], discounts, "EUR")
    assert lines == [
        DiscountLine("dsc_p", "line_box", -298),
        DiscountLine("dsc_f", "line_box", -1192),
        DiscountLine("dsc_p", "line_extras", -894),
        DiscountLine("dsc_f", "line_extras", -308),
    ]


@pytest.mark.parametrize(
    ("amount", "p", "expected"),
    [
        (1033, "15", 155),  # 154.95 -> 155
        (1035, "10", 104),  # 103.5 -> 104: half up
        (1034, "10", 103),  # 103.4 -> 103
        (1, "50", 1),  # 0.5 -> 1
        (1, "49.99", 0),  # 0.4999 -> 0: no line at all
        (999, "33.33", 333),  # 332.9667 -> 333
        (1490, "100", 1490),
        (0, "50", 0),
    ],
)
def test_percentages_round_half_up_per_line(amount: int, p: str, expected: int) -> None:
    lines = apply_discounts([Charge("l", PLAN, amount)], [active(percent(p), 1, "d")], "EUR")
    assert lines == ([DiscountLine("d", "l", -expected)] if expected else [])


def test_percentages_compound() -> None:
    # 20 % then 10 % of 1000: 200, then 10 % of 800 = 80: 280 = 28 % off
    discounts = [active(percent("20", id="a"), 1), active(percent("10", id="b"), 2)]
    assert apply_discounts([Charge("l", PLAN, 1000)], discounts, "EUR") == [
        DiscountLine("dsc_a", "l", -200),
        DiscountLine("dsc_b", "l", -80),
    ]


def test_compounding_rounds_the_cumulative_discount() -> None:
    # 1490 x 28 % = 417.2 -> 417 in total, whatever the order
    # 20 % first: 298, then 417 - 298 = 119 (10 % of 1192 = 119.2)
    # 10 % first: 149, then 417 - 149 = 268 (20 % of 1341 = 268.2)
    twenty, ten = percent("20", id="a"), percent("10", id="b")
    first = apply_discounts([BOX], [active(twenty, 1), active(ten, 2)], "EUR")
    second = apply_discounts([BOX], [active(twenty, 2), active(ten, 1)], "EUR")
    assert first == [
        DiscountLine("dsc_a", "line_box", -298),
        DiscountLine("dsc_b", "line_box", -119),
    ]
    assert second == [
        DiscountLine("dsc_b", "line_box", -149),
        DiscountLine("dsc_a", "line_box", -268),
    ]


def test_order_does_not_change_the_total_where_stepwise_rounding_would() -> None:
    # 2 ct with 25 % and 50 %: exactly 2 x (1 - 0.75 x 0.5) = 1.25 -> 1 off in both orders.
    # (Rounding each step would give 25 % first: 0.5 -> 1, then 50 % of 1 = 0.5 -> 1: 2 off;
    # 50 % first: 1, then 25 % of 1 = 0.25 -> 0: 1 off.)
    quarter, half = percent("25", id="q"), percent("50", id="h")
    line = Charge("l", PLAN, 2)
    assert apply_discounts([line], [active(quarter, 1), active(half, 2)], "EUR") == [
        DiscountLine("dsc_q", "l", -1)  # 0.5 -> 1; then round(1.25) = 1: nothing more
    ]
    assert apply_discounts([line], [active(quarter, 2), active(half, 1)], "EUR") == [
        DiscountLine("dsc_h", "l", -1)
    ]


def test_redemption_order_not_input_order_and_ties_by_discount_id() -> None:
    a, b = percent("50", id="a"), percent("10", id="b")
    line = Charge("l", PLAN, 1000)
    # b redeemed first: 100, then 1000 x (1 - 0.9 x 0.5) = 550 -> 450 for a
    expected = [DiscountLine("b1", "l", -100), DiscountLine("a1", "l", -450)]
    assert (
        apply_discounts([line], [ActiveDiscount("a1", a, 2), ActiveDiscount("b1", b, 1)], "EUR")
        == expected
    )
    # same redeemed_order: the discount id decides ("a1" < "b1"): 500, then 550 - 500 = 50
    tie = [ActiveDiscount("b1", b, 1), ActiveDiscount("a1", a, 1)]
    assert apply_discounts([line], tie, "EUR") == [
        DiscountLine("a1", "l", -500),
        DiscountLine("b1", "l", -50),
    ]


def test_fixed_amounts_apply_in_redemption_order_and_the_rest_is_forfeited() -> None:
    # 500 on the line; F2 (redeemed 1st) takes 300, F1 takes the remaining 200 of its 400;
    # F1's unused 200 is lost for this period and not carried into the next one
    f1 = active(fixed(("EUR", 400), id="f1"), 2)
    f2 = active(fixed(("EUR", 300), id="f2"), 1)
    line = Charge("l", PLAN, 500)
    expected = [DiscountLine("dsc_f2", "l", -300), DiscountLine("dsc_f1", "l", -200)]
    assert apply_discounts([line], [f1, f2], "EUR") == expected
    assert apply_discounts([line], [f1, f2], "EUR") == expected  # next period: the same


def test_fixed_amount_larger_than_the_line_zeroes_it() -> None:
    # 10.00 EUR off a 3.00 EUR line: 300 taken, 700 forfeited
    lines = apply_discounts([Charge("l", PLAN, 300)], [active(fixed(("EUR", 1000)), 1, "d")], "EUR")
    assert lines == [DiscountLine("d", "l", -300)]


def test_fixed_amount_is_spread_over_its_targets_in_line_order() -> None:
    # targets A and C only (component ids): A 300 fully, then 300 of C's 400; B untouched
    a = Charge("A", ChargeKey(plan_id="p", component_id="c1"), 300)
    b = Charge("B", ChargeKey(plan_id="p", component_id="c2"), 500)
    c = Charge("C", ChargeKey(plan_id="p", component_id="c3"), 400)
    targets = CouponTargets(component_ids=frozenset({"c1", "c3"}))
    lines = apply_discounts(
        [a, b, c], [active(fixed(("EUR", 600), targets=targets), 1, "d")], "EUR"
    )
    assert lines == [DiscountLine("d", "A", -300), DiscountLine("d", "C", -300)]
    # line order is the order of the charges, not of the ids
    lines = apply_discounts(
        [c, b, a], [active(fixed(("EUR", 600), targets=targets), 1, "d")], "EUR"
    )
    assert lines == [DiscountLine("d", "C", -400), DiscountLine("d", "A", -200)]


def test_fixed_amount_uses_the_invoice_currency() -> None:
    coupon = fixed(("EUR", 500), ("JPY", 800))
    line = Charge("l", PLAN, 1200)
    assert apply_discounts([line], [active(coupon, 1, "d")], "JPY") == [
        DiscountLine("d", "l", -800)
    ]
    assert apply_discounts([line], [active(coupon, 1, "d")], "CHF") == []  # no CHF amount


def test_targeted_discounts_skip_other_lines() -> None:
    # 50 % on the box plan's variant only; the other plan's line is untouched
    targets = CouponTargets(variant_ids=frozenset({"var_monthly"}))
    other = Charge("line_other", OTHER_PLAN, 1000)
    lines = apply_discounts([BOX, other], [active(percent("50", targets=targets), 1, "d")], "EUR")
    assert lines == [DiscountLine("d", "line_box", -745)]  # 1490 / 2


def test_plan_targets_match_every_line_carrying_the_plan_id() -> None:
    # COMPONENT's key carries plan_box too: a plan-wide coupon discounts both lines
    targets = CouponTargets(plan_ids=frozenset({"plan_box"}))
    lines = apply_discounts([BOX, EXTRAS], [active(percent("10", targets=targets), 1, "d")], "EUR")
    assert totals_by_line(lines) == {"line_box": -149, "line_extras": -447}


def test_nothing_to_discount() -> None:
    assert apply_discounts([], [active(percent("20"), 1)], "EUR") == []
    assert apply_discounts([BOX], [], "EUR") == []


def test_bad_input_is_a_bug() -> None:
    with pytest.raises(ValueError):
        Charge("l", PLAN, -1)
    with pytest.raises(ValueError):
        Charge("l", PLAN, True)
    with pytest.raises(ValueError):
        apply_discounts([BOX, BOX], [], "EUR")
    with pytest.raises(ValueError):
        apply_discounts(
            [BOX], [active(percent("20"), 1, "d"), active(percent("10"), 2, "d")], "EUR"
        )


# --- stacking: properties -----------------------------------------------------------------

PLANS = ["p1", "p2"]
VARIANTS = ["v1", "v2"]
COMPONENTS = ["c1", "c2"]

keys = st.one_of(
    st.builds(ChargeKey, plan_id=st.sampled_from(PLANS), variant_id=st.sampled_from(VARIANTS)),
    st.builds(ChargeKey, plan_id=st.sampled_from(PLANS), component_id=st.sampled_from(COMPONENTS)),
)
amounts = st.integers(min_value=0, max_value=10**9)


@st.composite
def charge_lists(draw: st.DrawFn) -> list[Charge]:
    count = draw(st.integers(min_value=0, max_value=6))
    return [Charge(f"line_{i}", draw(keys), draw(amounts)) for i in range(count)]


targets_st = st.builds(
    CouponTargets,
    plan_ids=st.frozensets(st.sampled_from(PLANS), max_size=1),
    variant_ids=st.frozensets(st.sampled_from(VARIANTS), max_size=1),
    component_ids=st.frozensets(st.sampled_from(COMPONENTS), max_size=1),
)
percents = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def percent_coupons(draw: st.DrawFn) -> Coupon:
    return percent(str(draw(percents)), targets=draw(targets_st))


@st.composite
def fixed_coupons(draw: st.DrawFn) -> Coupon:
    return fixed(("EUR", draw(st.integers(min_value=1, max_value=10**9))), targets=draw(targets_st))


@st.composite
def discount_lists(
    draw: st.DrawFn, coupons: st.SearchStrategy[Coupon] | None = None
) -> list[ActiveDiscount]:
    pool = coupons if coupons is not None else st.one_of(percent_coupons(), fixed_coupons())
    found = draw(st.lists(pool, max_size=5))
    orders = draw(st.permutations(range(len(found))))
    return [
        ActiveDiscount(f"dsc_{i}", c, order)
        for i, (c, order) in enumerate(zip(found, orders, strict=True))
    ]


def by_line(charges: list[Charge], lines: list[DiscountLine]) -> dict[str, int]:
    """The total discount (positive) per line id, every line present."""
    totals = {charge.line_id: 0 for charge in charges}
    for line in lines:
        totals[line.line_id] -= line.amount
    return totals


@FAST
@given(charge_lists(), discount_lists())
def test_totals_stay_between_zero_and_the_amount(
    charges: list[Charge], discounts: list[ActiveDiscount]
) -> None:
    lines = apply_discounts(charges, discounts, "EUR")
    before = sum(c.amount for c in charges)
    after = before + sum(line.amount for line in lines)
    assert 0 <= after <= before
    totals = by_line(charges, lines)
    for charge in charges:  # rule 4, per line
        assert 0 <= totals[charge.line_id] <= charge.amount


@FAST
@given(charge_lists(), discount_lists())
def test_one_negative_line_per_discount_and_line_on_targets_only(
    charges: list[Charge], discounts: list[ActiveDiscount]
) -> None:
    lines = apply_discounts(charges, discounts, "EUR")
    pairs = [(line.discount_id, line.line_id) for line in lines]
    assert len(pairs) == len(set(pairs))
    coupons = {d.discount_id: d.coupon for d in discounts}
    keys_of = {c.line_id: c.key for c in charges}
    for line in lines:
        assert line.amount < 0
        assert coupons[line.discount_id].targets.matches(keys_of[line.line_id])


@FAST
@given(charge_lists(), discount_lists())
def test_fixed_discounts_never_give_more_than_their_amount(
    charges: list[Charge], discounts: list[ActiveDiscount]
) -> None:
    lines = apply_discounts(charges, discounts, "EUR")
    for discount in discounts:
        if discount.coupon.kind is DiscountKind.FIXED_AMOUNT:
            given_away = -sum(x.amount for x in lines if x.discount_id == discount.discount_id)
            assert given_away <= (discount.coupon.amount_in("EUR") or 0)


@FAST
@given(charge_lists(), discount_lists(percent_coupons()), st.randoms(use_true_random=False))
def test_percentages_commute_in_value(
    charges: list[Charge], discounts: list[ActiveDiscount], random: Random
) -> None:
    orders = [d.redeemed_order for d in discounts]
    random.shuffle(orders)
    shuffled = [replace(d, redeemed_order=o) for d, o in zip(discounts, orders, strict=True)]
    assert by_line(charges, apply_discounts(charges, discounts, "EUR")) == by_line(
        charges, apply_discounts(charges, shuffled, "EUR")
    )


@FAST
@given(charge_lists(), discount_lists(percent_coupons()))
def test_a_line_loses_its_exactly_compounded_percentage_rounded_half_up(
    charges: list[Charge], discounts: list[ActiveDiscount]
) -> None:
    totals = by_line(charges, apply_discounts(charges, discounts, "EUR"))
    for charge in charges:
        kept = Fraction(1)
        for d in discounts:
            if d.coupon.targets.matches(charge.key):
                assert d.coupon.percent is not None
                kept *= 1 - Fraction(d.coupon.percent) / 100
        exact = charge.amount * (1 - kept)
        assert totals[charge.line_id] == math.floor(exact + Fraction(1, 2))


@FAST
@given(charge_lists(), discount_lists(), targets_st, st.integers(min_value=0, max_value=5))
def test_a_hundred_percent_zeroes_its_targets_exactly(
    charges: list[Charge], discounts: list[ActiveDiscount], targets: CouponTargets, order: int
) -> None:
    full = ActiveDiscount("dsc_full", percent("100", targets=targets), order)
    totals = by_line(charges, apply_discounts(charges, [*discounts, full], "EUR"))
    for charge in charges:
        if targets.matches(charge.key):
            assert totals[charge.line_id] == charge.amount


@FAST
@given(
    charge_lists(),
    discount_lists(),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=5),
)
def test_fixed_amount_at_least_the_total_zeroes_it(
    charges: list[Charge], discounts: list[ActiveDiscount], extra: int, order: int
) -> None:
    total = sum(c.amount for c in charges)
    everything = ActiveDiscount("dsc_all", fixed(("EUR", total + extra + 1)), order)
    lines = apply_discounts(charges, [*discounts, everything], "EUR")
    assert total + sum(line.amount for line in lines) == 0


@FAST
@given(charge_lists(), discount_lists(percent_coupons()), targets_st)
def test_a_percentage_leaves_lines_it_does_not_target_alone(
    charges: list[Charge], discounts: list[ActiveDiscount], targets: CouponTargets
) -> None:
    # adding a percentage changes nothing on lines it does not target. (Not so for fixed
    # amounts around it: one that took less from a targeted line may, by rule 3, spill more
    # onto a later line of its own targets.)
    extra = ActiveDiscount("dsc_extra", percent("37.5", targets=targets), 99)
    without = by_line(charges, apply_discounts(charges, discounts, "EUR"))
    with_extra = by_line(charges, apply_discounts(charges, [*discounts, extra], "EUR"))
    for charge in charges:
        if not targets.matches(charge.key):
            assert with_extra[charge.line_id] == without[charge.line_id]
