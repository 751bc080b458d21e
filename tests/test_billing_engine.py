"""The billing engine's acceptance scenarios, with amounts computed by hand.

Every scenario runs the engine the way production does: a billing run every day, each run
reconciling what should have been billed with what was billed. Proration is
``round_half_up(round(days / period_days, 9) x amount)`` in cents."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from tests.billing_fixtures import (
    EUR,
    YEAR,
    Books,
    change_plan,
    change_quantity,
    component,
    contract,
    tiers,
    variant,
)
from turnus.domain.billing.engine import expected_lines, usage_windows
from turnus.domain.billing.model import ContractDiscount, LineKind
from turnus.domain.catalog.calendar import schedule_anchor
from turnus.domain.catalog.coupons import Coupon, DiscountDuration, DiscountKind
from turnus.domain.catalog.model import (
    BillingTiming,
    ChargeType,
    Interval,
    IntervalUnit,
    Intro,
    Price,
    PricingModel,
    Trial,
)
from turnus.domain.contracts.lifecycle import CancellationKind

MONTHLY = variant("monthly", "249.95")
YEARLY = variant("yearly", "2399.95", YEAR)


def amounts(items):  # type: ignore[no-untyped-def]
    return [(i.key.kind.value, i.key.period_start, i.amount) for i in items]


def test_trial_then_first_paid_period_to_anchor_day_31() -> None:
    # 30-day trial from Apr 1 2027 ends Apr 30 (exclusive end May 1). Anchor day 31 (the
    # schedule's anchor is Mar 31) clamps to Apr 30 in April, so the first paid period is
    # [Apr 30, May 31), 31 days, of which May 1-30 are paid:
    # 24995 x 30/31 = 24995 x 0.967741935 = 24188.71 -> 24189.
    start = date(2027, 4, 1)
    trial_end = date(2027, 5, 1)
    anchor = schedule_anchor(trial_end, MONTHLY.terms.billing_interval, 31)
    assert anchor == date(2027, 3, 31)
    c = contract(start, MONTHLY, anchor=anchor, trial_end=trial_end)
    c = replace(c, trial=Trial(Interval(IntervalUnit.DAY, 30)))
    books = Books()
    assert books.run_daily(c, start, date(2027, 4, 30)) == []
    first = books.run(c, trial_end)
    assert amounts(first) == [("fee", date(2027, 4, 30), 24189)]
    assert (first[0].service_from, first[0].service_until) == (trial_end, date(2027, 5, 31))
    # then full periods from the 31st: [May 31, Jun 30) is charged on May 31
    assert amounts(books.run_daily(c, date(2027, 5, 2), date(2027, 5, 31))) == [
        ("fee", date(2027, 5, 31), 24995)
    ]


def test_immediate_upgrade_monthly_to_yearly_on_day_12() -> None:
    # Billed Jan 1 2027: 24995 for January (31 days). Upgrade on Jan 12: the unused Jan 12-31
    # (20 days) is credited, 24995 x 20/31 = 16125.81 -> 16126 (billed 24995 less the kept
    # 11/31 = 8869). The yearly fee runs from Jan 12 to the anchor day Jan 1 2028, prorated
    # over 365 days: 239995 x 354/365 = 239995 x 0.969863014 = 232762.27 -> 232762.
    start = date(2027, 1, 1)
    c = contract(start, MONTHLY)
    books = Books()
    assert amounts(books.run(c, start)) == [("fee", start, 24995)]
    books.run_daily(c, date(2027, 1, 2), date(2027, 1, 11))
    upgraded = change_plan(c, YEARLY, date(2027, 1, 12))
    items = books.run(upgraded, date(2027, 1, 12))
    assert amounts(items) == [
        ("fee", date(2027, 1, 1), -16126),
        ("fee", date(2027, 1, 1), 232762),
    ]
    credit, charge = items
    assert credit.key.ref_id == "monthly" and credit.correction
    assert charge.key.ref_id == "yearly"
    assert (charge.service_from, charge.service_until) == (date(2027, 1, 12), date(2028, 1, 1))
    # nothing more until the next yearly period
    assert books.run_daily(upgraded, date(2027, 1, 13), date(2027, 12, 31)) == []
    assert amounts(books.run(upgraded, date(2028, 1, 1))) == [("fee", date(2028, 1, 1), 239995)]


def test_yearly_contract_cancelled_immediately_after_30_days() -> None:
    # Billed 239995 on Jan 1 2027. Cancelled immediately on Jan 31 (30 days served): the kept
    # share is 239995 x 30/365 = 19725.62 -> 19726; the remaining 335 days are credited:
    # 239995 - 19726 = 220269 (= 239995 x 335/365 = 220269.38 -> 220269).
    start = date(2027, 1, 1)
    c = contract(start, YEARLY)
    books = Books()
    books.run_daily(c, start, date(2027, 1, 30))
    cancelled = replace(
        c,
        lifecycle=c.lifecycle.cancelled(CancellationKind.IMMEDIATE, date(2027, 1, 31)),
    )
    assert amounts(books.run(cancelled, date(2027, 1, 31))) == [("fee", date(2027, 1, 1), -220269)]
    assert books.total() == 19726
    assert expected_lines(cancelled, date(2027, 6, 1)).next_due is None


def test_pause_of_33_days_mid_period_and_resume() -> None:
    # Monthly from Mar 1 2027, billed 24995 for March. Paused on Mar 10 until May 1, resumed
    # early on Apr 12: 33 paused days (Mar 10-Apr 11). March keeps 9/31: 7257, so the 22 paused
    # March days are credited: 24995 x 22/31 = 17738.39 -> 17738. April is not charged while
    # paused; on resuming, the stub Apr 12-30 to the next anchor is charged:
    # 24995 x 19/30 = 15830.17 -> 15830.
    start = date(2027, 3, 1)
    c = contract(start, MONTHLY)
    books = Books()
    books.run_daily(c, start, date(2027, 3, 9))
    paused = replace(c, lifecycle=c.lifecycle.paused(date(2027, 3, 10), date(2027, 5, 1)))
    assert amounts(books.run(paused, date(2027, 3, 10))) == [("fee", date(2027, 3, 1), -17738)]
    assert books.run_daily(paused, date(2027, 3, 11), date(2027, 4, 11)) == []
    resumed = replace(paused, lifecycle=paused.lifecycle.resumed(date(2027, 4, 12)))
    assert resumed.lifecycle.pauses[0].days == 33
    assert amounts(books.run(resumed, date(2027, 4, 12))) == [("fee", date(2027, 4, 1), 15830)]
    assert amounts(books.run_daily(resumed, date(2027, 4, 13), date(2027, 5, 1))) == [
        ("fee", date(2027, 5, 1), 24995)
    ]


def test_anchor_day_31_through_february_leap_and_common_year() -> None:
    for year, feb_end, stub in ((2028, date(2028, 2, 29), 16376), (2027, date(2027, 2, 28), 16068)):
        # Start Feb 10 with anchor day 31: the period [Jan 31, Feb 28/29) has 29 days in 2028
        # (24995 x 19/29 = 16376.21) and 28 in 2027 (24995 x 18/28 = 16068.21).
        start = date(year, 2, 10)
        anchor = schedule_anchor(start, MONTHLY.terms.billing_interval, 31)
        assert anchor == date(year, 1, 31)
        c = contract(start, MONTHLY, anchor=anchor)
        books = Books()
        assert amounts(books.run(c, start)) == [("fee", date(year, 1, 31), stub)]
        later = books.run_daily(c, date(year, 2, 11), date(year, 5, 31))
        assert amounts(later) == [
            ("fee", feb_end, 24995),
            ("fee", date(year, 3, 31), 24995),
            ("fee", date(year, 4, 30), 24995),
            ("fee", date(year, 5, 31), 24995),
        ]
        assert later[0].service_until == date(year, 3, 31)


GRADUATED = tiers(PricingModel.GRADUATED, ("10", "5.00"), ("50", "4.00"), (None, "3.00"))
VOLUME = tiers(PricingModel.VOLUME, ("10", "5.00"), ("50", "4.00"), (None, "3.00"))


def _component_charge(price: Price, quantity: str) -> int:
    seats = component("seats", price)
    c = contract(date(2027, 1, 1), MONTHLY, components={seats: quantity})
    lines = expected_lines(c, date(2027, 1, 1)).lines
    return next(line.amount for line in lines if line.key.kind is LineKind.COMPONENT)


def test_graduated_and_volume_tiers_at_each_boundary() -> None:
    # graduated: 10 x 5 = 50.00; 11 -> 50 + 4 = 54.00; 50 -> 50 + 40 x 4 = 210.00;
    # 51 -> 210 + 3 = 213.00
    assert [_component_charge(GRADUATED, q) for q in ("10", "11", "50", "51")] == [
        5000,
        5400,
        21000,
        21300,
    ]
    # volume: every unit at the reached tier: 10 x 5 = 50; 11 x 4 = 44; 50 x 4 = 200;
    # 51 x 3 = 153
    assert [_component_charge(VOLUME, q) for q in ("10", "11", "50", "51")] == [
        5000,
        4400,
        20000,
        15300,
    ]


def test_package_component() -> None:
    # 9.90 per started block of 100: 100 -> 1 block, 101 -> 2 blocks, 0 -> nothing
    package = Price(EUR, PricingModel.PACKAGE, Decimal("9.90"), package_size=Decimal(100))
    assert [_component_charge(package, q) for q in ("100", "101", "200")] == [990, 1980, 1980]


def test_metered_usage_with_free_quota_in_arrears() -> None:
    # 1,000 calls included per period, then 0.0125 EUR per call. January used 1,200:
    # 200 x 1.25 cents = 250 cents, billed when the period ends on Feb 1.
    calls = component(
        "calls",
        Price(EUR, PricingModel.PER_UNIT, Decimal("0.0125")),
        ChargeType.METERED,
        included="1000",
    )
    c = contract(date(2027, 1, 1), MONTHLY, components={calls: "1"})
    windows = usage_windows(c, date(2027, 2, 1))
    assert [(w.period_start, w.start, w.end) for w in windows] == [
        (date(2027, 1, 1), date(2027, 1, 1), date(2027, 2, 1))
    ]
    books = Books()
    books.run(c, date(2027, 1, 1))
    items = books.run(c, date(2027, 2, 1), {("calls", date(2027, 1, 1)): Decimal(1200)})
    usage = [i for i in items if i.key.kind is LineKind.USAGE]
    assert [(u.quantity, u.amount) for u in usage] == [(Decimal(200), 250)]
    # a late event within the grace period raises the usage to 1,300: 100 more = 125 cents
    late = books.run(c, date(2027, 2, 2), {("calls", date(2027, 1, 1)): Decimal(1300)})
    assert [(i.key.kind.value, i.amount, i.seq) for i in late] == [("usage", 125, 2)]
    # below the quota nothing is charged
    below = expected_lines(c, date(2027, 2, 1), {("calls", date(2027, 1, 1)): Decimal(999)})
    assert [line.amount for line in below.lines if line.key.kind is LineKind.USAGE] == [0]


def test_coupon_of_20_percent_for_3_periods_with_a_quantity_component() -> None:
    # 49.00 plan fee + 3 seats at 10.00 = 79.00 per month; 20 % off for three periods:
    # -9.80 on the fee and -6.00 on the seats in January, February and March, none in April.
    plan = variant("team", "49.00")
    seats = component("seats", Price(EUR, PricingModel.PER_UNIT, Decimal("10.00")))
    c = contract(date(2027, 1, 1), plan, components={seats: "3"})
    coupon = Coupon(
        id="cpn_1",
        code="WELCOME20",
        kind=DiscountKind.PERCENT,
        percent=Decimal(20),
        duration=DiscountDuration.REPEATING,
        duration_periods=3,
    )
    c = replace(c, discounts=(ContractDiscount("red_1", coupon, date(2027, 1, 1)),))
    books = Books()
    for month in (1, 2, 3, 4):
        items = books.run(c, date(2027, month, 1))
        got = sorted((i.key.kind.value, i.amount) for i in items)
        if month <= 3:
            assert got == [
                ("component", 3000),
                ("discount", -980),
                ("discount", -600),
                ("fee", 4900),
            ]
        else:
            assert got == [("component", 3000), ("fee", 4900)]
    discount = next(i for i in books.on(date(2027, 1, 1)) if i.key.kind is LineKind.DISCOUNT)
    assert discount.description.startswith("WELCOME20: ")


def test_quantity_change_mid_period_is_prorated() -> None:
    # 3 seats at 10.00 billed for March (31 days); 5 seats from Mar 17: the 15 days Mar 17-31
    # cost 2 more seats: 5000 x 15/31 + 3000 x 16/31 = 2419.35 + 1548.39 = 3967.74 -> 3968,
    # so 968 is charged on Mar 17.
    seats = component("seats", Price(EUR, PricingModel.PER_UNIT, Decimal("10.00")))
    c = contract(date(2027, 3, 1), MONTHLY, components={seats: "3"})
    books = Books()
    books.run(c, date(2027, 3, 1))
    more = change_quantity(c, "seats", "5", date(2027, 3, 17))
    items = books.run(more, date(2027, 3, 17))
    assert amounts(items) == [("component", date(2027, 3, 1), 968)]
    assert books.run(more, date(2027, 3, 17)) == []


def test_in_arrears_bills_at_period_end_and_final_stub_at_the_end() -> None:
    c = contract(date(2027, 1, 1), MONTHLY, timing=BillingTiming.IN_ARREARS)
    books = Books()
    assert books.run_daily(c, date(2027, 1, 1), date(2027, 1, 31)) == []
    assert amounts(books.run(c, date(2027, 2, 1))) == [("fee", date(2027, 1, 1), 24995)]
    ended = replace(
        c, lifecycle=c.lifecycle.cancelled(CancellationKind.IMMEDIATE, date(2027, 2, 15))
    )
    # 14 days of February's 28: 24995 x 0.5 = 12497.5 -> 12498, due on the end day
    assert books.run_daily(ended, date(2027, 2, 2), date(2027, 2, 14)) == []
    assert amounts(books.run(ended, date(2027, 2, 15))) == [("fee", date(2027, 2, 1), 12498)]


def test_withdrawal_reverses_everything_but_the_compensation() -> None:
    # Signed Jan 1, withdrawn on Jan 8 after an early start: the January fee (24995) is
    # reversed and the 7 days served are charged: 24995 x 7/31 = 5644.03 -> 5644.
    c = contract(date(2027, 1, 1), MONTHLY)
    c = replace(c, compensate_withdrawal=True)
    books = Books()
    books.run_daily(c, date(2027, 1, 1), date(2027, 1, 7))
    withdrawn = replace(
        c, lifecycle=c.lifecycle.cancelled(CancellationKind.WITHDRAWAL, date(2027, 1, 8))
    )
    items = books.run(withdrawn, date(2027, 1, 8))
    assert sorted((i.key.kind.value, i.amount) for i in items) == [
        ("compensation", 5644),
        ("fee", -24995),
    ]
    assert books.run(withdrawn, date(2027, 1, 9)) == []


def test_repeated_runs_change_nothing() -> None:
    c = contract(date(2027, 1, 1), MONTHLY)
    books = Books()
    books.run(c, date(2027, 3, 1))  # a first run long after the start catches up
    assert [item.key.period_start.month for _, item in books.items] == [1, 2, 3]
    assert books.run(c, date(2027, 3, 1)) == []
    assert expected_lines(c, date(2027, 3, 1)).next_due == date(2027, 4, 1)


def test_intro_price_for_the_first_periods_then_the_regular_price() -> None:
    c = replace(
        contract(date(2027, 1, 1), MONTHLY),
        intro=Intro(2, (Price(EUR, PricingModel.FLAT, Decimal("1.00")),)),
    )
    books = Books()
    months = [amounts(books.run(c, date(2027, m, 1))) for m in (1, 2, 3)]
    assert months == [
        [("fee", date(2027, 1, 1), 100)],
        [("fee", date(2027, 2, 1), 100)],
        [("fee", date(2027, 3, 1), 24995)],
    ]


def test_pause_with_a_fee_and_a_skipped_period() -> None:
    # Paused all of April with a reduced fee of 2.00; May is skipped: nothing is charged.
    c = contract(date(2027, 3, 1), MONTHLY)
    lifecycle = c.lifecycle.paused(date(2027, 4, 1), date(2027, 5, 1), fee=200)
    lifecycle = lifecycle.skipped(date(2027, 5, 1), date(2027, 3, 1))
    c = replace(c, lifecycle=lifecycle)
    books = Books()
    assert amounts(books.run(c, date(2027, 4, 1))) == [
        ("fee", date(2027, 3, 1), 24995),
        ("pause_fee", date(2027, 4, 1), 200),
    ]
    assert books.run(c, date(2027, 5, 1)) == []  # skipped: a zero line, nothing billed
    assert amounts(books.run(c, date(2027, 6, 1))) == [("fee", date(2027, 6, 1), 24995)]


def test_a_component_that_does_not_prorate_pays_the_highest_quantity_in_full() -> None:
    seats = component("seats", Price(EUR, PricingModel.PER_UNIT, Decimal("10.00")), prorate=False)
    c = contract(date(2027, 3, 1), MONTHLY, components={seats: "3"})
    books = Books()
    books.run(c, date(2027, 3, 1))
    more = change_quantity(c, "seats", "5", date(2027, 3, 17))
    # 5 seats for the whole month: 50.00 - 30.00 billed = 20.00 more; fewer later: no credit
    assert amounts(books.run(more, date(2027, 3, 17))) == [("component", date(2027, 3, 1), 2000)]
    fewer = change_quantity(more, "seats", "1", date(2027, 3, 20))
    assert books.run(fewer, date(2027, 3, 20)) == []


def test_trial_components_are_billed_only_when_the_trial_says_so() -> None:
    seats = component("seats", Price(EUR, PricingModel.PER_UNIT, Decimal("10.00")))
    start, trial_end = date(2027, 1, 1), date(2027, 1, 15)
    base = contract(start, MONTHLY, trial_end=trial_end, components={seats: "2"})
    free = replace(base, trial=Trial(Interval(IntervalUnit.DAY, 14)))
    billed = replace(base, trial=Trial(Interval(IntervalUnit.DAY, 14), bill_components=True))
    assert expected_lines(free, date(2027, 1, 14)).lines == ()
    # 2 seats for the 14 trial days of the period [Dec 15, Jan 15) (31 days): 2000 x 14/31
    (line,) = expected_lines(billed, date(2027, 1, 14)).lines
    assert (line.key.kind, line.amount) == (LineKind.COMPONENT, 903)
