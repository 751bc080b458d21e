"""Contract terms: validation, the §309 Nr. 9 BGB guard, term ends and cancellation dates."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

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


def months(n: int) -> Interval:
    return Interval(IntervalUnit.MONTH, n)


def weeks(n: int) -> Interval:
    return Interval(IntervalUnit.WEEK, n)


def days(n: int) -> Interval:
    return Interval(IntervalUnit.DAY, n)


def magazine(renewal: RenewalMode, later: Interval | None = MONTH) -> ContractTerms:
    return ContractTerms(
        MONTH,
        months(12),
        renewal,
        MONTH,
        later if renewal is RenewalMode.CONVERT_INDEFINITE else None,
    )


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "pointer"),
    [
        (ContractTerms(MONTH, None, RenewalMode.RENEW), "/renewal"),
        (ContractTerms(MONTH, None, RenewalMode.END), "/renewal"),
        (
            ContractTerms(MONTH, None, notice_period_after_conversion=MONTH),
            "/notice_period_after_conversion",
        ),
        (ContractTerms(months(5), months(12)), "/minimum_term"),
        (ContractTerms(YEAR, months(18)), "/minimum_term"),
        (ContractTerms(MONTH, weeks(6)), "/minimum_term"),
        (ContractTerms(weeks(4), weeks(10)), "/minimum_term"),
        (
            ContractTerms(MONTH, months(12), RenewalMode.RENEW, MONTH, MONTH),
            "/notice_period_after_conversion",
        ),
        (
            ContractTerms(MONTH, months(12), RenewalMode.END, MONTH, MONTH),
            "/notice_period_after_conversion",
        ),
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
        ContractTerms(MONTH, months(12), RenewalMode.CONVERT_INDEFINITE, MONTH, MONTH),
        ContractTerms(YEAR, months(24), RenewalMode.RENEW, months(3)),
        ContractTerms(months(3), months(12), RenewalMode.END),
        ContractTerms(weeks(1), months(12)),
        ContractTerms(weeks(2), weeks(26)),
        ContractTerms(MONTH, None, notice_period=weeks(2)),
    ],
)
def test_valid_terms(terms: ContractTerms) -> None:
    validate_terms(terms)


# -- §309 Nr. 9 BGB ---------------------------------------------------------------------------


def test_compliant_consumer_terms_pass() -> None:
    assert consumer_guard(magazine(RenewalMode.CONVERT_INDEFINITE)) == []
    assert consumer_guard(ContractTerms(MONTH, months(24), RenewalMode.END, MONTH)) == []
    assert consumer_guard(ContractTerms(MONTH)) == []


def test_each_rule_names_its_field() -> None:
    violations = consumer_guard(ContractTerms(MONTH, months(36), RenewalMode.RENEW, months(3)))
    reasons = {v.pointer: v.reason for v in violations}
    assert set(reasons) == {"/minimum_term", "/renewal", "/notice_period"}
    assert reasons["/minimum_term"].startswith("§309 Nr. 9 a BGB")
    assert reasons["/renewal"].startswith("§309 Nr. 9 b BGB")
    assert reasons["/notice_period"].startswith("§309 Nr. 9 c BGB")
    later = consumer_guard(magazine(RenewalMode.CONVERT_INDEFINITE, later=months(3)))
    assert [v.pointer for v in later] == ["/notice_period_after_conversion"]


@pytest.mark.parametrize(
    ("notice", "allowed"),
    [
        (MONTH, True),
        (months(2), False),
        (weeks(4), True),
        (weeks(5), False),
        (days(31), True),
        (days(32), False),
        (YEAR, False),
    ],
)
def test_at_most_one_month_of_notice(notice: Interval, allowed: bool) -> None:
    terms = ContractTerms(MONTH, months(12), RenewalMode.CONVERT_INDEFINITE, notice, notice)
    assert (consumer_guard(terms) == []) is allowed


@pytest.mark.parametrize(
    ("term", "allowed"),
    [
        (months(24), True),
        (months(25), False),
        (Interval(IntervalUnit.YEAR, 2), True),
        (Interval(IntervalUnit.YEAR, 3), False),
    ],
)
def test_initial_term_at_most_24_months(term: Interval, allowed: bool) -> None:
    assert (consumer_guard(ContractTerms(MONTH, term)) == []) is allowed


def test_business_terms_are_not_guarded() -> None:
    terms = ContractTerms(
        YEAR, months(36), RenewalMode.RENEW, months(6), offered_to_consumers=False
    )
    assert consumer_guard(terms) == []


# -- term ends and cancellation dates ---------------------------------------------------------


def test_term_ends() -> None:
    start = date(2026, 1, 31)
    assert minimum_term_end(start, magazine(RenewalMode.RENEW)) == date(2027, 1, 31)
    assert minimum_term_end(start, ContractTerms(MONTH)) is None
    assert term_ends(start, magazine(RenewalMode.RENEW), date(2029, 6, 1)) == [
        date(2027, 1, 31),
        date(2028, 1, 31),
        date(2029, 1, 31),
    ]
    assert term_ends(start, magazine(RenewalMode.END), date(2029, 6, 1)) == [date(2027, 1, 31)]
    assert term_ends(start, ContractTerms(MONTH), date(2029, 6, 1)) == []


def test_magazine_cancellation_one_day_too_late() -> None:
    start = date(2026, 1, 1)
    in_time, late = date(2026, 12, 1), date(2026, 12, 2)
    for renewal, late_end in (
        (RenewalMode.RENEW, date(2028, 1, 1)),
        (RenewalMode.CONVERT_INDEFINITE, date(2027, 1, 2)),
        (RenewalMode.END, date(2027, 1, 1)),
    ):
        terms = magazine(renewal)
        assert earliest_cancellation_end(start, terms, in_time) == date(2027, 1, 1)
        assert earliest_cancellation_end(start, terms, late) == late_end
    # received on the first day of the contract: still the initial term end
    assert earliest_cancellation_end(start, magazine(RenewalMode.RENEW), start) == date(2027, 1, 1)


def test_renewing_contract_ends_at_the_first_term_end_whose_deadline_is_met() -> None:
    terms = ContractTerms(
        YEAR, months(12), RenewalMode.RENEW, months(3), offered_to_consumers=False
    )
    start = date(2026, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2027, 1, 1)) == date(2027, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2027, 1, 2)) == date(2028, 4, 1)
    assert earliest_cancellation_end(start, terms, date(2028, 1, 2)) == date(2029, 4, 1)


def test_converted_contract_without_later_notice_ends_with_the_running_period() -> None:
    terms = ContractTerms(MONTH, months(12), RenewalMode.CONVERT_INDEFINITE, MONTH, None)
    start = date(2026, 1, 15)
    assert earliest_cancellation_end(start, terms, date(2027, 3, 3)) == date(2027, 3, 15)


def test_flexible_subscription_ends_with_the_billing_period() -> None:
    anchor = date(2026, 1, 31)
    flexible = ContractTerms(MONTH)
    assert earliest_cancellation_end(anchor, flexible, date(2026, 2, 10)) == date(2026, 2, 28)
    assert earliest_cancellation_end(anchor, flexible, date(2026, 2, 28)) == date(2026, 3, 31)
    with_notice = ContractTerms(MONTH, notice_period=weeks(2))
    assert earliest_cancellation_end(anchor, with_notice, date(2026, 2, 10)) == date(2026, 2, 28)
    assert earliest_cancellation_end(anchor, with_notice, date(2026, 2, 15)) == date(2026, 3, 31)
    weekly = ContractTerms(weeks(1))
    assert earliest_cancellation_end(date(2026, 11, 2), weekly, date(2026, 11, 25)) == date(
        2026, 11, 30
    )


def test_notice_deadlines_clamp_at_month_ends() -> None:
    assert notice_deadline(date(2027, 1, 1), MONTH) == date(2026, 12, 1)
    assert notice_deadline(date(2026, 3, 31), MONTH) == date(2026, 2, 28)
    assert notice_deadline(date(2026, 3, 1), MONTH) == date(2026, 2, 1)
    assert notice_deadline(date(2026, 3, 1), None) == date(2026, 2, 28)
    assert notice_deadline(date(2026, 3, 1), weeks(2)) == date(2026, 2, 15)


intervals = st.sampled_from([MONTH, months(3), weeks(1), weeks(2), days(14)])
renewals = st.sampled_from(list(RenewalMode))
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@settings(max_examples=400, deadline=None)
@given(
    dates,
    st.integers(0, 1200),
    st.sampled_from([None, 3, 6, 12, 24]),
    renewals,
    st.sampled_from([None, MONTH, weeks(2), months(3)]),
    st.sampled_from([None, MONTH, weeks(4)]),
)
def test_cancellation_properties(
    start: date,
    offset: int,
    term: int | None,
    renewal: RenewalMode,
    notice: Interval | None,
    later: Interval | None,
) -> None:
    if term is None:
        renewal, later = RenewalMode.CONVERT_INDEFINITE, None
    if renewal is not RenewalMode.CONVERT_INDEFINITE:
        later = None
    terms = ContractTerms(MONTH, months(term) if term else None, renewal, notice, later)
    validate_terms(terms)
    received = start + timedelta(days=offset)
    end = earliest_cancellation_end(start, terms, received)
    assert end > received or (renewal is RenewalMode.END and end <= received)
    initial = minimum_term_end(start, terms)
    if initial is not None:
        # an ordinary cancellation never ends before the minimum-term end
        assert end >= initial
    # a cancellation received later never ends earlier
    assert earliest_cancellation_end(start, terms, received + timedelta(days=1)) >= end
    if (
        renewal is RenewalMode.CONVERT_INDEFINITE
        and initial is not None
        and received > notice_deadline(initial, notice)
        and consumer_guard(terms) == []
    ):
        # §309 Nr. 9 b: after the initial term, never more than one month after receipt
        assert end <= max(initial, received + relativedelta(months=1))
