"""Contract terms: validation, the §309 Nr. 9 BGB guard, term ends and cancellation dates.

Every expected date is computed by hand (ends are exclusive: the first day no longer served)."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import add, period_containing, shift
from turnus.domain.catalog.model import ContractTerms, Interval, IntervalUnit, RenewalMode
from turnus.domain.catalog.terms import (
    consumer_guard,
    earliest_cancellation_end,
    minimum_term_end,
    notice_deadline,
    term_ends,
    validate_terms,
)
from turnus.domain.errors import ValidationFailed

MONTH = Interval(IntervalUnit.MONTH)
YEAR = Interval(IntervalUnit.YEAR)
RENEW, CONVERT, END = RenewalMode.RENEW, RenewalMode.CONVERT_INDEFINITE, RenewalMode.END


def months(n: int) -> Interval:
    return Interval(IntervalUnit.MONTH, n)


def weeks(n: int) -> Interval:
    return Interval(IntervalUnit.WEEK, n)


def days(n: int) -> Interval:
    return Interval(IntervalUnit.DAY, n)


def magazine(renewal: RenewalMode, later: Interval | None = MONTH) -> ContractTerms:
    """12-month term, monthly billing, one month's notice (valid for every renewal mode)."""
    return ContractTerms(
        MONTH,
        months(12),
        renewal,
        None if renewal is END else MONTH,
        later if renewal is CONVERT else None,
    )


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "pointer"),
    [
        (ContractTerms(MONTH, None, RENEW), "/renewal"),
        (ContractTerms(MONTH, None, END), "/renewal"),
        (
            ContractTerms(MONTH, None, notice_period_after_conversion=MONTH),
            "/notice_period_after_conversion",
        ),
        (ContractTerms(months(5), months(12)), "/minimum_term"),
        (ContractTerms(YEAR, months(18)), "/minimum_term"),
        (ContractTerms(months(3), months(4)), "/minimum_term"),
        (ContractTerms(MONTH, weeks(6)), "/minimum_term"),
        (ContractTerms(YEAR, days(365)), "/minimum_term"),
        (ContractTerms(weeks(4), weeks(10)), "/minimum_term"),
        (ContractTerms(days(10), weeks(2)), "/minimum_term"),
        (
            ContractTerms(MONTH, months(12), RENEW, MONTH, MONTH),
            "/notice_period_after_conversion",
        ),
        (ContractTerms(MONTH, months(12), END, None, MONTH), "/notice_period_after_conversion"),
        (ContractTerms(MONTH, months(12), END, MONTH), "/notice_period"),
        (ContractTerms(MONTH, months(3), CONVERT, months(3)), "/notice_period"),
        (ContractTerms(MONTH, months(12), RENEW, YEAR), "/notice_period"),
        (ContractTerms(weeks(1), weeks(4), CONVERT, days(28)), "/notice_period"),
    ],
)
def test_invalid_terms_name_the_field(terms: ContractTerms, pointer: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_terms(terms)
    assert pointer in [e.pointer for e in info.value.errors]


@pytest.mark.parametrize(
    "terms",
    [
        ContractTerms(MONTH),
        ContractTerms(YEAR),
        magazine(CONVERT),
        magazine(RENEW),
        magazine(END),
        ContractTerms(MONTH, months(12), CONVERT, MONTH, None),
        ContractTerms(MONTH, months(12)),
        ContractTerms(YEAR, months(24), RENEW, months(3)),
        ContractTerms(YEAR, Interval(IntervalUnit.YEAR, 2), RENEW, months(11)),
        ContractTerms(months(3), months(12), END),
        ContractTerms(months(6), YEAR),
        ContractTerms(MONTH, months(1), CONVERT, weeks(2)),
        ContractTerms(weeks(1), months(12)),  # weekly deliveries, 12-month commitment
        ContractTerms(weeks(2), weeks(26)),
        ContractTerms(days(7), weeks(4)),
        ContractTerms(MONTH, None, notice_period=weeks(2)),
        ContractTerms(MONTH, None, notice_period=months(3)),  # notice to a period end
    ],
)
def test_valid_terms(terms: ContractTerms) -> None:
    validate_terms(terms)


def test_validation_collects_every_error_under_the_pointer() -> None:
    terms = ContractTerms(months(5), months(12), RENEW, None, MONTH)
    with pytest.raises(ValidationFailed) as info:
        validate_terms(terms, "/terms")
    assert sorted(e.pointer for e in info.value.errors) == [
        "/terms/minimum_term",
        "/terms/notice_period_after_conversion",
    ]


# -- §309 Nr. 9 BGB ---------------------------------------------------------------------------


def test_compliant_consumer_terms_pass() -> None:
    assert consumer_guard(magazine(CONVERT)) == []
    assert consumer_guard(magazine(CONVERT, later=None)) == []  # any time, no notice
    assert consumer_guard(magazine(END)) == []
    assert consumer_guard(ContractTerms(MONTH, months(24), END)) == []
    assert consumer_guard(ContractTerms(MONTH)) == []


def test_each_rule_names_its_field_and_paragraph() -> None:
    violations = consumer_guard(ContractTerms(MONTH, months(36), RENEW, months(3)))
    reasons = {v.pointer: v.reason for v in violations}
    assert set(reasons) == {"/minimum_term", "/renewal", "/notice_period"}
    assert reasons["/minimum_term"] == (
        "§309 Nr. 9 a BGB: the initial term of a consumer contract may not exceed 24 months"
    )
    assert reasons["/renewal"].startswith("§309 Nr. 9 b BGB")
    assert reasons["/notice_period"].startswith("§309 Nr. 9 c BGB")
    later = consumer_guard(magazine(CONVERT, later=months(3)))
    assert [v.pointer for v in later] == ["/notice_period_after_conversion"]
    assert later[0].reason.startswith("§309 Nr. 9 b BGB")


def test_automatic_renewal_into_another_fixed_term_is_refused_for_consumers() -> None:
    violations = consumer_guard(magazine(RENEW))
    assert [v.pointer for v in violations] == ["/renewal"]


def test_guard_pointers_carry_the_prefix() -> None:
    violations = consumer_guard(ContractTerms(MONTH, months(25)), "/variants/2")
    assert [v.pointer for v in violations] == ["/variants/2/minimum_term"]


@pytest.mark.parametrize(
    ("notice", "allowed"),
    [
        (MONTH, True),
        (months(2), False),
        (weeks(4), True),
        (weeks(5), False),
        (days(30), True),
        (days(31), True),
        (days(32), False),
        (YEAR, False),
    ],
)
def test_at_most_one_month_of_notice(notice: Interval, allowed: bool) -> None:
    before_end = ContractTerms(MONTH, months(12), CONVERT, notice, None)
    assert (consumer_guard(before_end) == []) is allowed
    after_conversion = ContractTerms(MONTH, months(12), CONVERT, MONTH, notice)
    assert (consumer_guard(after_conversion) == []) is allowed


@pytest.mark.parametrize(
    ("billing", "term", "allowed"),
    [
        (MONTH, months(24), True),
        (MONTH, months(25), False),
        (MONTH, Interval(IntervalUnit.YEAR, 2), True),
        (MONTH, Interval(IntervalUnit.YEAR, 3), False),
        (weeks(1), weeks(104), True),  # 728 days
        (weeks(1), weeks(105), False),  # 735 days
        (days(1), days(731), True),  # the longest 24 months (with a Feb 29)
        (days(1), days(732), False),
    ],
)
def test_initial_term_at_most_24_months(billing: Interval, term: Interval, allowed: bool) -> None:
    assert (consumer_guard(ContractTerms(billing, term)) == []) is allowed


def test_business_terms_are_not_guarded() -> None:
    terms = ContractTerms(YEAR, months(36), RENEW, months(6), offered_to_consumers=False)
    assert consumer_guard(terms) == []


# -- term ends --------------------------------------------------------------------------------


def test_term_ends() -> None:
    start = date(2026, 1, 31)
    assert minimum_term_end(start, magazine(RENEW)) == date(2027, 1, 31)
    assert minimum_term_end(start, ContractTerms(MONTH)) is None
    assert term_ends(start, magazine(RENEW), date(2029, 6, 1)) == [
        date(2027, 1, 31),
        date(2028, 1, 31),
        date(2029, 1, 31),
    ]
    assert term_ends(start, magazine(END), date(2029, 6, 1)) == [date(2027, 1, 31)]
    assert term_ends(start, magazine(CONVERT), date(2029, 6, 1)) == [date(2027, 1, 31)]
    assert term_ends(start, ContractTerms(MONTH), date(2029, 6, 1)) == []


def test_term_ends_stop_at_until_inclusive() -> None:
    start = date(2026, 1, 31)
    assert term_ends(start, magazine(RENEW), date(2027, 1, 30)) == []
    assert term_ends(start, magazine(END), date(2027, 1, 30)) == []
    assert term_ends(start, magazine(RENEW), date(2028, 1, 31)) == [
        date(2027, 1, 31),
        date(2028, 1, 31),
    ]


def test_renewed_term_ends_never_drift_at_month_ends() -> None:
    quarterly = ContractTerms(MONTH, months(3), RENEW, offered_to_consumers=False)
    assert term_ends(date(2026, 1, 31), quarterly, date(2027, 1, 31)) == [
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2026, 10, 31),
        date(2027, 1, 31),
    ]
    leap = ContractTerms(MONTH, months(12), RENEW, offered_to_consumers=False)
    assert term_ends(date(2024, 2, 29), leap, date(2028, 3, 1)) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


# -- notice deadlines -------------------------------------------------------------------------


def test_notice_deadlines() -> None:
    assert notice_deadline(date(2027, 1, 1), MONTH) == date(2026, 12, 1)
    assert notice_deadline(date(2026, 3, 31), MONTH) == date(2026, 2, 28)  # Mar 1 + 1m = Apr 1
    assert notice_deadline(date(2026, 3, 1), MONTH) == date(2026, 2, 1)
    assert notice_deadline(date(2026, 4, 30), MONTH) == date(2026, 3, 31)
    assert notice_deadline(date(2026, 3, 1), None) == date(2026, 2, 28)
    assert notice_deadline(date(2026, 3, 1), weeks(2)) == date(2026, 2, 15)
    assert notice_deadline(date(2026, 3, 1), days(31)) == date(2026, 1, 29)


def test_notice_deadlines_take_the_last_clamped_day() -> None:
    # Jan 28, 29, 30 and 31 plus one month all give Feb 28: Jan 31 is still in time.
    assert notice_deadline(date(2026, 2, 28), MONTH) == date(2026, 1, 31)
    assert notice_deadline(date(2028, 2, 29), MONTH) == date(2028, 1, 31)
    assert notice_deadline(date(2026, 9, 30), months(3)) == date(2026, 6, 30)
    # Feb 29 2024 + 1 year = Feb 28 2025
    assert notice_deadline(date(2025, 2, 28), YEAR) == date(2024, 2, 29)


# -- cancellation dates -----------------------------------------------------------------------


def test_magazine_cancellation_on_the_deadline_and_one_day_too_late() -> None:
    start = date(2026, 1, 1)
    in_time, late = date(2026, 12, 1), date(2026, 12, 2)
    for renewal, late_end in (
        # the next 12-month term
        (RENEW, date(2028, 1, 1)),
        # runs on after 2027-01-01; ends exactly one month after receipt (§309 Nr. 9 b BGB),
        # not at the next billing period end (2027-02-01)
        (CONVERT, date(2027, 1, 2)),
        # ends with the term anyway
        (END, date(2027, 1, 1)),
    ):
        terms = magazine(renewal)
        # served through 2026-12-31
        assert earliest_cancellation_end(start, terms, in_time) == date(2027, 1, 1), renewal
        assert earliest_cancellation_end(start, terms, late) == late_end, renewal
    # received on the first day of the contract: still the initial term end
    assert earliest_cancellation_end(start, magazine(RENEW), start) == date(2027, 1, 1)


def test_deadline_at_a_month_end_counts_the_clamped_day() -> None:
    terms = ContractTerms(MONTH, months(12), RENEW, MONTH, offered_to_consumers=False)
    start = date(2025, 2, 28)  # initial term ends 2026-02-28
    assert earliest_cancellation_end(start, terms, date(2026, 1, 31)) == date(2026, 2, 28)
    assert earliest_cancellation_end(start, terms, date(2026, 2, 1)) == date(2027, 2, 28)


def test_renewing_contract_ends_at_the_first_term_end_whose_deadline_is_met() -> None:
    terms = ContractTerms(YEAR, months(12), RENEW, months(3), offered_to_consumers=False)
    start = date(2026, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2027, 1, 1)) == date(2027, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2027, 1, 2)) == date(2028, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2028, 1, 1)) == date(2028, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2028, 1, 2)) == date(2029, 4, 1)


def test_renewing_contract_without_notice_ends_at_the_running_term_end() -> None:
    terms = ContractTerms(MONTH, months(6), RENEW, offered_to_consumers=False)
    start = date(2026, 1, 15)
    assert earliest_cancellation_end(start, terms, date(2026, 7, 14)) == date(2026, 7, 15)
    assert earliest_cancellation_end(start, terms, date(2026, 7, 15)) == date(2027, 1, 15)


def test_converted_contract_ends_exactly_the_later_notice_after_receipt() -> None:
    start = date(2026, 1, 1)
    terms = magazine(CONVERT)
    assert earliest_cancellation_end(start, terms, date(2027, 5, 31)) == date(2027, 6, 30)
    assert earliest_cancellation_end(start, terms, date(2027, 1, 31)) == date(2027, 2, 28)
    two_weeks = ContractTerms(MONTH, months(12), CONVERT, MONTH, weeks(2))
    # late for 2027-01-01; Dec 10 + 14 days = Dec 24, but never before the initial term end
    assert earliest_cancellation_end(start, two_weeks, date(2026, 12, 10)) == date(2027, 1, 1)
    assert earliest_cancellation_end(start, two_weeks, date(2026, 12, 20)) == date(2027, 1, 3)


def test_converted_contract_without_later_notice_ends_with_the_running_period() -> None:
    terms = magazine(CONVERT, later=None)
    start = date(2026, 1, 15)
    assert earliest_cancellation_end(start, terms, date(2027, 3, 3)) == date(2027, 3, 15)
    assert earliest_cancellation_end(start, terms, date(2027, 3, 15)) == date(2027, 4, 15)
    # late for 2027-01-15 but within the term's last billing period: the period ends with it
    assert earliest_cancellation_end(start, terms, date(2026, 12, 20)) == date(2027, 1, 15)
    # billing aligned to the 1st of the month
    aligned = earliest_cancellation_end(start, terms, date(2027, 3, 3), date(2026, 2, 1))
    assert aligned == date(2027, 4, 1)


def test_converted_consumer_contract_without_later_notice_ends_within_a_month() -> None:
    # billed on the 29th: February's period starts on the 28th and runs to March 29, one day
    # more than a month from its first day; a consumer's cancellation then ends a month after
    terms = ContractTerms(MONTH, months(3), CONVERT, None, None)
    start = date(2000, 5, 29)
    assert earliest_cancellation_end(start, terms, date(2002, 2, 28)) == date(2002, 3, 28)
    assert earliest_cancellation_end(start, terms, date(2002, 3, 1)) == date(2002, 3, 29)
    business = ContractTerms(MONTH, months(3), CONVERT, None, None, offered_to_consumers=False)
    assert earliest_cancellation_end(start, business, date(2002, 2, 28)) == date(2002, 3, 29)


def test_fixed_term_ends_with_the_term_whenever_cancelled() -> None:
    start = date(2026, 1, 31)
    terms = ContractTerms(MONTH, months(6), END)
    assert earliest_cancellation_end(start, terms, date(2026, 2, 1)) == date(2026, 7, 31)
    assert earliest_cancellation_end(start, terms, date(2026, 7, 30)) == date(2026, 7, 31)


def test_flexible_subscription_ends_with_the_billing_period() -> None:
    anchor = date(2026, 1, 31)
    flexible = ContractTerms(MONTH)
    assert earliest_cancellation_end(anchor, flexible, date(2026, 1, 31)) == date(2026, 2, 28)
    assert earliest_cancellation_end(anchor, flexible, date(2026, 2, 10)) == date(2026, 2, 28)
    assert earliest_cancellation_end(anchor, flexible, date(2026, 2, 28)) == date(2026, 3, 31)
    with_notice = ContractTerms(MONTH, notice_period=weeks(2))
    assert earliest_cancellation_end(anchor, with_notice, date(2026, 2, 10)) == date(2026, 2, 28)
    assert earliest_cancellation_end(anchor, with_notice, date(2026, 2, 14)) == date(2026, 2, 28)
    assert earliest_cancellation_end(anchor, with_notice, date(2026, 2, 15)) == date(2026, 3, 31)
    weekly = ContractTerms(weeks(1))
    # Mondays from 2026-11-02; 2026-11-25 is a Wednesday
    assert earliest_cancellation_end(date(2026, 11, 2), weekly, date(2026, 11, 25)) == date(
        2026, 11, 30
    )
    quarterly = ContractTerms(months(3))
    # boundaries 2026-01-31, 2026-04-30, 2026-07-31
    assert earliest_cancellation_end(anchor, quarterly, date(2026, 5, 15)) == date(2026, 7, 31)


def test_flexible_subscription_with_an_aligned_billing_anchor() -> None:
    start = date(2026, 1, 10)
    first_of_month = date(2026, 2, 1)
    flexible = ContractTerms(MONTH)
    assert earliest_cancellation_end(start, flexible, date(2026, 1, 20), first_of_month) == date(
        2026, 2, 1
    )
    assert earliest_cancellation_end(start, flexible, date(2026, 2, 1), first_of_month) == date(
        2026, 3, 1
    )
    notice = ContractTerms(MONTH, notice_period=MONTH)
    # Jan 20 + 1 month = Feb 20 -> next boundary Mar 1; without the anchor: Mar 10
    assert earliest_cancellation_end(start, notice, date(2026, 1, 20), first_of_month) == date(
        2026, 3, 1
    )
    assert earliest_cancellation_end(start, notice, date(2026, 1, 20)) == date(2026, 3, 10)
    # a notice ending exactly on a boundary ends there
    assert earliest_cancellation_end(start, notice, date(2026, 2, 10)) == date(2026, 3, 10)


# -- properties -------------------------------------------------------------------------------


def valid(terms: ContractTerms) -> bool:
    try:
        validate_terms(terms)
    except ValidationFailed:
        return False
    return True


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
notices = st.sampled_from([None, MONTH, weeks(2), days(31), months(3)])


@st.composite
def monthly_terms(draw: st.DrawFn) -> ContractTerms:
    term = draw(st.sampled_from([None, 3, 6, 12, 24]))
    renewal = draw(st.sampled_from(list(RenewalMode))) if term else CONVERT
    notice = None if renewal is END else draw(notices)
    later = draw(st.sampled_from([None, MONTH, weeks(4)])) if term and renewal is CONVERT else None
    terms = ContractTerms(MONTH, months(term) if term else None, renewal, notice, later)
    if not valid(terms):  # a notice not shorter than the term
        terms = ContractTerms(MONTH, terms.minimum_term, renewal, MONTH, later)
    return terms


@settings(max_examples=400, deadline=None)
@given(dates, st.integers(0, 1200), monthly_terms())
def test_cancellation_properties(start: date, offset: int, terms: ContractTerms) -> None:
    validate_terms(terms)
    received = start + timedelta(days=offset)
    end = earliest_cancellation_end(start, terms, received)
    initial = minimum_term_end(start, terms)
    # a cancellation received later never ends earlier
    assert earliest_cancellation_end(start, terms, received + timedelta(days=1)) >= end
    if initial is None:
        # a billing period boundary, at least the notice after receipt, and the first such
        assert period_containing(start, terms.billing_interval, end).start == end
        earliest = received if terms.notice_period is None else add(received, terms.notice_period)
        assert end > received and end >= earliest
        previous = period_containing(start, terms.billing_interval, end - timedelta(days=1)).start
        assert previous < earliest or (terms.notice_period is None and previous <= received)
        return
    # an ordinary cancellation never ends before the minimum-term end
    assert end >= initial
    if terms.renewal is END:
        assert end == initial
        return
    assert end > received
    if received <= notice_deadline(initial, terms.notice_period):
        assert end == initial
    elif terms.renewal is RENEW:
        # the first renewed term end whose deadline the cancellation meets
        ends = term_ends(start, terms, end)
        assert len(ends) >= 2 and ends[-1] == end
        assert received <= notice_deadline(end, terms.notice_period)
        assert received > notice_deadline(ends[-2], terms.notice_period)
    elif consumer_guard(terms) == []:
        # §309 Nr. 9 b: after the initial term, never more than one month after receipt
        assert end <= max(initial, received + relativedelta(months=1))


@settings(max_examples=300, deadline=None)
@given(dates, monthly_terms())
def test_received_on_the_deadline_is_in_time_a_day_later_is_not(
    start: date, terms: ContractTerms
) -> None:
    initial = minimum_term_end(start, terms)
    if initial is None or terms.minimum_term is None or terms.renewal is END:
        return
    deadline = notice_deadline(initial, terms.notice_period)
    if deadline < start:
        return
    assert earliest_cancellation_end(start, terms, deadline) == initial
    late = earliest_cancellation_end(start, terms, deadline + timedelta(days=1))
    if terms.renewal is RENEW:
        assert late == shift(start, terms.minimum_term, 2)
    else:  # converted: the later notice, counted from receipt, never before the initial end
        assert late >= initial


@settings(max_examples=300, deadline=None)
@given(dates, st.sampled_from([MONTH, months(3), YEAR, weeks(2), days(31)]))
def test_notice_deadline_is_the_last_day_in_time(end: date, notice: Interval) -> None:
    deadline = notice_deadline(end, notice)
    assert add(deadline, notice) <= end
    assert add(deadline + timedelta(days=1), notice) > end


@settings(max_examples=200, deadline=None)
@given(dates, dates, st.sampled_from([1, 3, 12]), st.sampled_from(list(RenewalMode)))
def test_term_ends_properties(start: date, until: date, term: int, renewal: RenewalMode) -> None:
    terms = ContractTerms(MONTH, months(term), renewal, offered_to_consumers=False)
    ends = term_ends(start, terms, until)
    assert all(end <= until for end in ends)
    assert ends == [shift(start, months(term), k) for k in range(1, len(ends) + 1)]
    if renewal is not RENEW:
        assert len(ends) <= 1
    # nothing left out: the next end is after until
    assert shift(start, months(term), len(ends) + 1) > until or (renewal is not RENEW and ends)
