"""The phase timeline of a contract: trial -> intro -> regular / fixed term."""

import calendar
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import period_containing, shift
from turnus.domain.catalog.model import (
    ContractTerms,
    Interval,
    IntervalUnit,
    Intro,
    Price,
    PricingModel,
    RenewalMode,
    Trial,
)
from turnus.domain.catalog.phases import (
    Phase,
    PhaseKind,
    fixed_end,
    paid_start,
    phase_on,
    timeline,
)

DAY = Interval(IntervalUnit.DAY)
WEEK = Interval(IntervalUnit.WEEK)
MONTH = Interval(IntervalUnit.MONTH)
QUARTER = Interval(IntervalUnit.MONTH, 3)
YEAR = Interval(IntervalUnit.YEAR)
TRIAL, INTRO, REGULAR, FIXED = (
    PhaseKind.TRIAL,
    PhaseKind.INTRO,
    PhaseKind.REGULAR,
    PhaseKind.FIXED_TERM,
)

MONTHLY = ContractTerms(MONTH)
TWO_WEEKS = Trial(Interval(IntervalUnit.DAY, 14))
ONE_MONTH = Trial(MONTH)


def intro(periods: int) -> Intro:
    return Intro(periods, (Price("EUR", PricingModel.FLAT, Decimal("4.95")),))


def fixed(term_months: int) -> ContractTerms:
    return ContractTerms(MONTH, Interval(IntervalUnit.MONTH, term_months), RenewalMode.END)


# -- examples ---------------------------------------------------------------------------------


def test_plain_contract_is_one_open_ended_regular_phase() -> None:
    assert timeline(date(2026, 1, 15), MONTHLY, None, None) == [
        Phase(REGULAR, date(2026, 1, 15), None)
    ]


def test_renewing_and_converting_terms_run_on_open_ended() -> None:
    for renewal in (RenewalMode.RENEW, RenewalMode.CONVERT_INDEFINITE):
        terms = ContractTerms(MONTH, Interval(IntervalUnit.MONTH, 12), renewal)
        assert timeline(date(2026, 1, 15), terms, None, None) == [
            Phase(REGULAR, date(2026, 1, 15), None)
        ]


def test_trial_of_one_month_clamps_at_the_month_end() -> None:
    assert timeline(date(2026, 1, 31), MONTHLY, ONE_MONTH, None) == [
        Phase(TRIAL, date(2026, 1, 31), date(2026, 2, 28)),
        Phase(REGULAR, date(2026, 2, 28), None),
    ]
    assert timeline(date(2028, 1, 31), MONTHLY, ONE_MONTH, None)[0] == Phase(
        TRIAL, date(2028, 1, 31), date(2028, 2, 29)
    )
    assert timeline(date(2024, 2, 29), MONTHLY, Trial(YEAR), None)[0] == Phase(
        TRIAL, date(2024, 2, 29), date(2025, 2, 28)
    )


def test_trial_then_intro_then_regular() -> None:
    # 14-day trial from Jan 10 -> paid start Jan 24; three monthly periods from there
    assert timeline(date(2026, 1, 10), MONTHLY, TWO_WEEKS, intro(3)) == [
        Phase(TRIAL, date(2026, 1, 10), date(2026, 1, 24)),
        Phase(INTRO, date(2026, 1, 24), date(2026, 4, 24)),
        Phase(REGULAR, date(2026, 4, 24), None),
    ]


def test_intro_with_an_aligned_billing_anchor_includes_the_stub_period() -> None:
    # billed on the 1st: the stub Jan 24 - Feb 1, then two full periods
    expected = [
        Phase(TRIAL, date(2026, 1, 10), date(2026, 1, 24)),
        Phase(INTRO, date(2026, 1, 24), date(2026, 4, 1)),
        Phase(REGULAR, date(2026, 4, 1), None),
    ]
    assert timeline(date(2026, 1, 10), MONTHLY, TWO_WEEKS, intro(2), date(2026, 2, 1)) == expected
    # the same schedule, anchored on an earlier 1st
    assert timeline(date(2026, 1, 10), MONTHLY, TWO_WEEKS, intro(2), date(2026, 1, 1)) == expected
    # a paid start on a boundary has no stub
    assert timeline(date(2026, 1, 1), MONTHLY, None, intro(2), date(2025, 11, 1)) == [
        Phase(INTRO, date(2026, 1, 1), date(2026, 3, 1)),
        Phase(REGULAR, date(2026, 3, 1), None),
    ]


def test_intro_follows_the_anchor_schedule_without_drifting() -> None:
    # trial Jan 31 -> Feb 28; anchored at the paid start the periods fall on the 28th ...
    assert timeline(date(2026, 1, 31), MONTHLY, ONE_MONTH, intro(3))[1] == Phase(
        INTRO, date(2026, 2, 28), date(2026, 5, 28)
    )
    # ... anchored on Jan 31 they fall on month ends: Feb 28, Mar 31, Apr 30, May 31
    assert timeline(date(2026, 1, 31), MONTHLY, ONE_MONTH, intro(3), date(2026, 1, 31))[1] == (
        Phase(INTRO, date(2026, 2, 28), date(2026, 5, 31))
    )


def test_weekly_and_quarterly_intros() -> None:
    weekly = ContractTerms(WEEK)
    assert timeline(date(2026, 11, 2), weekly, None, intro(4)) == [
        Phase(INTRO, date(2026, 11, 2), date(2026, 11, 30)),
        Phase(REGULAR, date(2026, 11, 30), None),
    ]
    quarterly = ContractTerms(QUARTER)
    assert timeline(date(2025, 11, 30), quarterly, None, intro(1)) == [
        Phase(INTRO, date(2025, 11, 30), date(2026, 2, 28)),
        Phase(REGULAR, date(2026, 2, 28), None),
    ]


def test_fixed_term_counts_from_the_paid_start() -> None:
    # trial Jan 15 - Jan 29, intro to Mar 29, fixed term to Jul 29 (6 months after Jan 29)
    assert timeline(date(2026, 1, 15), fixed(6), TWO_WEEKS, intro(2)) == [
        Phase(TRIAL, date(2026, 1, 15), date(2026, 1, 29)),
        Phase(INTRO, date(2026, 1, 29), date(2026, 3, 29)),
        Phase(FIXED, date(2026, 3, 29), date(2026, 7, 29)),
    ]
    assert fixed_end(date(2026, 1, 15), fixed(6), TWO_WEEKS) == date(2026, 7, 29)
    assert fixed_end(date(2026, 1, 15), fixed(6)) == date(2026, 7, 15)
    assert timeline(date(2026, 1, 31), fixed(6), None, None) == [
        Phase(FIXED, date(2026, 1, 31), date(2026, 7, 31))
    ]


def test_intro_is_cut_at_the_fixed_end_and_leaves_no_empty_phase() -> None:
    assert timeline(date(2026, 1, 31), fixed(3), None, intro(6)) == [
        Phase(INTRO, date(2026, 1, 31), date(2026, 4, 30))
    ]
    assert timeline(date(2026, 1, 31), fixed(3), None, intro(3)) == [
        Phase(INTRO, date(2026, 1, 31), date(2026, 4, 30))
    ]


def test_no_fixed_end_without_a_minimum_term() -> None:
    terms = ContractTerms(MONTH, None, RenewalMode.END)  # refused by validate_terms anyway
    assert fixed_end(date(2026, 1, 1), terms) is None
    assert timeline(date(2026, 1, 1), terms, None, None) == [Phase(REGULAR, date(2026, 1, 1), None)]


def test_intro_of_zero_periods_is_no_intro() -> None:
    assert timeline(date(2026, 1, 10), MONTHLY, TWO_WEEKS, intro(0)) == [
        Phase(TRIAL, date(2026, 1, 10), date(2026, 1, 24)),
        Phase(REGULAR, date(2026, 1, 24), None),
    ]
    with pytest.raises(ValueError):
        timeline(date(2026, 1, 10), MONTHLY, None, intro(-1))


def test_phase_on_and_paid_start() -> None:
    phases = timeline(date(2026, 1, 15), fixed(6), TWO_WEEKS, intro(2))
    assert paid_start(date(2026, 1, 15), TWO_WEEKS) == date(2026, 1, 29)
    assert paid_start(date(2026, 1, 15), None) == date(2026, 1, 15)
    assert phase_on(phases, date(2026, 1, 14)) is None
    assert phase_on(phases, date(2026, 1, 15)) == phases[0]
    assert phase_on(phases, date(2026, 1, 28)) == phases[0]
    assert phase_on(phases, date(2026, 1, 29)) == phases[1]
    assert phase_on(phases, date(2026, 7, 28)) == phases[2]
    assert phase_on(phases, date(2026, 7, 29)) is None
    open_ended = timeline(date(2026, 1, 15), MONTHLY, None, None)
    assert phase_on(open_ended, date(2099, 1, 1)) == open_ended[0]


def test_a_phase_is_never_empty() -> None:
    with pytest.raises(ValueError):
        Phase(REGULAR, date(2026, 1, 1), date(2026, 1, 1))


# -- properties -------------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
lengths = st.builds(
    Interval,
    st.sampled_from(list(IntervalUnit)),
    st.integers(min_value=1, max_value=3),
)
billing = st.sampled_from([MONTH, QUARTER, YEAR, WEEK, Interval(IntervalUnit.DAY, 10)])


@st.composite
def setups(
    draw: st.DrawFn,
) -> tuple[date, ContractTerms, Trial | None, Intro | None, date | None]:
    start = draw(dates)
    interval = draw(billing)
    term = draw(st.sampled_from([None, 1, 2, 4]))
    renewal = draw(st.sampled_from(list(RenewalMode))) if term else RenewalMode.CONVERT_INDEFINITE
    terms = ContractTerms(interval, shift_interval(interval, term), renewal)
    trial = draw(st.none() | st.builds(Trial, lengths))
    periods = draw(st.none() | st.integers(min_value=0, max_value=5))
    offset = draw(st.none() | st.integers(min_value=-400, max_value=400))
    anchor = None if offset is None else start + timedelta(days=offset)
    return start, terms, trial, None if periods is None else intro(periods), anchor


def shift_interval(interval: Interval, times: int | None) -> Interval | None:
    """A minimum term of ``times`` billing periods."""
    return None if times is None else Interval(interval.unit, interval.count * times)


def months_later(day: date, months: int) -> date:
    """Independent month arithmetic: same day-of-month, clamped to the target month."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expected_trial_end(start: date, length: Interval) -> date:
    match length.unit:
        case IntervalUnit.DAY:
            return start + timedelta(days=length.count)
        case IntervalUnit.WEEK:
            return start + timedelta(days=7 * length.count)
        case IntervalUnit.MONTH:
            return months_later(start, length.count)
        case IntervalUnit.YEAR:
            return months_later(start, 12 * length.count)


@settings(max_examples=300, deadline=None)
@given(setups())
def test_timeline_properties(
    setup: tuple[date, ContractTerms, Trial | None, Intro | None, date | None],
) -> None:
    start, terms, trial, intro_, anchor = setup
    phases = timeline(start, terms, trial, intro_, anchor)

    # contiguous from the start, non-overlapping, never empty, only the last open-ended
    assert phases[0].start == start
    for before, after in pairwise(phases):
        assert before.end == after.start
    assert all(p.end is None or p.end > p.start for p in phases)
    assert all(p.end is not None for p in phases[:-1])
    kinds = [p.kind for p in phases]
    assert kinds == sorted(kinds, key=[TRIAL, INTRO, REGULAR, FIXED].index)
    assert len(set(kinds)) == len(kinds)

    is_fixed = terms.renewal is RenewalMode.END and terms.minimum_term is not None
    open_ended = [p for p in phases if p.end is None]
    if is_fixed:
        assert open_ended == []
        assert REGULAR not in kinds
    else:
        assert len(open_ended) == 1 and open_ended[0].kind is REGULAR
        assert FIXED not in kinds

    # the trial, month ends clamped
    paid = start
    if trial is not None:
        paid = expected_trial_end(start, trial.length)
        assert phases[0] == Phase(TRIAL, start, paid)
    else:
        assert TRIAL not in kinds
    assert paid_start(start, trial) == paid

    # a fixed term ends a minimum term after the paid start
    if is_fixed:
        assert terms.minimum_term is not None
        assert phases[-1].end == fixed_end(start, terms, trial)
        assert phases[-1].end == shift(paid, terms.minimum_term, 1)

    # the intro: whole billing periods (plus a leading stub) of the anchored schedule
    intro_phase = next((p for p in phases if p.kind is INTRO), None)
    if intro_ is None or intro_.periods == 0:
        assert intro_phase is None
        return
    assert intro_phase is not None and intro_phase.start == paid and intro_phase.end is not None
    schedule = paid if anchor is None else anchor
    if is_fixed and intro_phase.end == phases[-1].end:
        return  # cut at the fixed end
    assert period_containing(schedule, terms.billing_interval, intro_phase.end).start == (
        intro_phase.end
    )
    first = period_containing(schedule, terms.billing_interval, paid)
    boundaries_inside = 0
    k = first.index + 1
    while shift(schedule, terms.billing_interval, k) <= intro_phase.end:
        boundaries_inside += 1
        k += 1
    stub = 0 if first.start == paid else 1
    assert boundaries_inside == intro_.periods + stub
