"""Contract lifecycle: states, pauses, cancellations, withdrawal - examples and properties."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.model import ContractTerms, Interval, IntervalUnit, RenewalMode
from turnus.domain.contracts.lifecycle import CancellationKind, ContractState, Lifecycle
from turnus.domain.errors import Conflict, TurnusError, ValidationFailed

MONTH = Interval(IntervalUnit.MONTH)
FLEX = ContractTerms(MONTH)
MAGAZINE = ContractTerms(
    Interval(IntervalUnit.YEAR),
    Interval(IntervalUnit.MONTH, 12),
    RenewalMode.CONVERT_INDEFINITE,
    MONTH,
    MONTH,
)
FIXED = ContractTerms(MONTH, Interval(IntervalUnit.MONTH, 6), RenewalMode.END)


def coffee(start: date = date(2026, 1, 15)) -> Lifecycle:
    return Lifecycle(concluded_on=start, start=start, terms=FLEX)


def test_states_over_time() -> None:
    contract = Lifecycle(
        concluded_on=date(2026, 1, 1),
        start=date(2026, 1, 10),
        terms=MAGAZINE,
        trial_end=date(2026, 1, 24),
    )
    assert contract.state_on(date(2026, 1, 9)) is ContractState.FUTURE
    assert contract.state_on(date(2026, 1, 10)) is ContractState.TRIAL
    assert contract.state_on(date(2026, 1, 24)) is ContractState.ACTIVE
    assert contract.minimum_term_end == date(2027, 1, 24)  # counted from the paid start
    paused = contract.paused(date(2026, 7, 1), date(2026, 8, 3))
    assert paused.state_on(date(2026, 7, 15)) is ContractState.PAUSED
    assert paused.state_on(date(2026, 8, 3)) is ContractState.ACTIVE
    cancelled = paused.cancelled(CancellationKind.ORDINARY, date(2026, 9, 1))
    assert cancelled.cancellation is not None
    assert cancelled.cancellation.end == date(2027, 1, 24)
    assert cancelled.state_on(date(2026, 8, 31)) is ContractState.ACTIVE
    assert cancelled.state_on(date(2026, 9, 1)) is ContractState.IN_NOTICE
    assert cancelled.state_on(date(2027, 1, 24)) is ContractState.ENDED
    suspended = Lifecycle(
        concluded_on=date(2026, 1, 1),
        start=date(2026, 1, 1),
        terms=FLEX,
        suspended_on=date(2026, 3, 1),
    )
    assert suspended.state_on(date(2026, 3, 2)) is ContractState.SUSPENDED


def test_fixed_term_contract_ends_by_itself() -> None:
    contract = Lifecycle(concluded_on=date(2026, 1, 31), start=date(2026, 1, 31), terms=FIXED)
    assert contract.end == date(2026, 7, 31)
    assert contract.state_on(date(2026, 7, 31)) is ContractState.ENDED
    # an extraordinary cancellation can end it earlier, never later
    late = contract.cancelled(
        CancellationKind.EXTRAORDINARY, date(2026, 5, 2), date(2026, 12, 31), reason="moved abroad"
    )
    assert late.end == date(2026, 7, 31)


def test_ordinary_cancellation_one_day_too_late() -> None:
    magazine = Lifecycle(concluded_on=date(2026, 1, 1), start=date(2026, 1, 1), terms=MAGAZINE)
    in_time = magazine.cancelled(CancellationKind.ORDINARY, date(2026, 12, 1))
    late = magazine.cancelled(CancellationKind.ORDINARY, date(2026, 12, 2))
    assert in_time.end == date(2027, 1, 1)
    assert late.end == date(2027, 1, 2)


def test_requested_end_is_respected_but_never_before_the_earliest() -> None:
    magazine = Lifecycle(concluded_on=date(2026, 1, 1), start=date(2026, 1, 1), terms=MAGAZINE)
    later = magazine.cancelled(CancellationKind.ORDINARY, date(2026, 3, 1), date(2027, 6, 30))
    assert later.end == date(2027, 6, 30)
    with pytest.raises(ValidationFailed) as info:
        magazine.cancelled(CancellationKind.ORDINARY, date(2026, 3, 1), date(2026, 12, 31))
    assert info.value.errors[0].pointer == "/requested_end"
    assert "2027-01-01" in info.value.errors[0].reason


def test_cancellation_during_the_trial_ends_with_the_trial() -> None:
    contract = Lifecycle(
        concluded_on=date(2026, 1, 1),
        start=date(2026, 1, 1),
        terms=MAGAZINE,
        trial_end=date(2026, 1, 31),
    )
    assert contract.cancelled(CancellationKind.ORDINARY, date(2026, 1, 5)).end == date(2026, 1, 31)


def test_revoking_a_pending_cancellation() -> None:
    contract = coffee().cancelled(CancellationKind.ORDINARY, date(2026, 3, 3))
    assert contract.end == date(2026, 3, 15)
    restored = contract.revoked(date(2026, 3, 10))
    assert restored.cancellation is None and restored.end is None
    with pytest.raises(Conflict):
        contract.revoked(date(2026, 3, 15))
    with pytest.raises(Conflict):
        coffee().revoked(date(2026, 3, 1))
    immediate = coffee().cancelled(CancellationKind.IMMEDIATE, date(2026, 3, 3))
    with pytest.raises(Conflict):
        immediate.revoked(date(2026, 3, 3))


def test_cancelling_twice_or_after_the_end_is_refused() -> None:
    ended = coffee().cancelled(CancellationKind.IMMEDIATE, date(2026, 2, 1))
    assert ended.end == date(2026, 2, 1)
    with pytest.raises(Conflict):
        ended.cancelled(CancellationKind.ORDINARY, date(2026, 3, 1))
    with pytest.raises(Conflict):
        ended.cancelled(CancellationKind.ORDINARY, date(2026, 1, 20))
    with pytest.raises(Conflict):
        ended.paused(date(2026, 3, 1), date(2026, 3, 10))


def test_extraordinary_cancellation_needs_a_reason() -> None:
    with pytest.raises(ValidationFailed) as info:
        coffee().cancelled(CancellationKind.EXTRAORDINARY, date(2026, 3, 1), reason="  ")
    assert info.value.errors[0].pointer == "/reason"
    done = coffee().cancelled(CancellationKind.EXTRAORDINARY, date(2026, 3, 1), reason="death")
    assert done.end == date(2026, 3, 1)


def test_withdrawal_within_fourteen_days_of_conclusion() -> None:
    contract = Lifecycle(concluded_on=date(2026, 5, 1), start=date(2026, 5, 1), terms=MAGAZINE)
    assert contract.cancelled(CancellationKind.WITHDRAWAL, date(2026, 5, 15)).end == date(
        2026, 5, 15
    )
    with pytest.raises(ValidationFailed) as info:
        contract.cancelled(CancellationKind.WITHDRAWAL, date(2026, 5, 16))
    assert info.value.errors[0].pointer == "/received_on"
    with pytest.raises(ValidationFailed):
        contract.cancelled(CancellationKind.WITHDRAWAL, date(2026, 5, 10), date(2026, 6, 1))


def test_pauses_never_overlap_and_stay_inside_the_contract() -> None:
    contract = coffee().paused(date(2026, 12, 20), date(2027, 1, 7))
    with pytest.raises(Conflict):
        contract.paused(date(2027, 1, 6), date(2027, 1, 20))
    contract = contract.paused(date(2027, 1, 7), date(2027, 1, 20))  # touching is fine
    assert [p.start for p in contract.pauses] == [date(2026, 12, 20), date(2027, 1, 7)]
    with pytest.raises(ValidationFailed) as info:
        coffee().paused(date(2026, 3, 10), date(2026, 3, 10))
    assert info.value.errors[0].pointer == "/end"
    trial = Lifecycle(
        concluded_on=date(2026, 1, 1),
        start=date(2026, 1, 1),
        terms=FLEX,
        trial_end=date(2026, 1, 15),
    )
    with pytest.raises(ValidationFailed) as info:
        trial.paused(date(2026, 1, 5), date(2026, 1, 20))
    assert info.value.errors[0].pointer == "/start"
    ending = coffee().cancelled(CancellationKind.ORDINARY, date(2026, 3, 3))
    with pytest.raises(ValidationFailed) as info:
        ending.paused(date(2026, 3, 10), date(2026, 4, 10))
    assert info.value.errors[0].pointer == "/end"


def test_resume_early() -> None:
    contract = coffee().paused(date(2026, 7, 1), date(2026, 8, 3))
    resumed = contract.resumed(date(2026, 7, 20))
    assert [(p.start, p.end) for p in resumed.pauses] == [(date(2026, 7, 1), date(2026, 7, 20))]
    assert resumed.state_on(date(2026, 7, 20)) is ContractState.ACTIVE
    assert contract.resumed(date(2026, 7, 1)).pauses == ()  # resumed before it began
    with pytest.raises(Conflict):
        contract.resumed(date(2026, 9, 1))


def test_ending_the_trial_now() -> None:
    contract = Lifecycle(
        concluded_on=date(2026, 1, 1),
        start=date(2026, 1, 1),
        terms=FLEX,
        trial_end=date(2026, 1, 31),
    )
    assert contract.trial_ended(date(2026, 1, 10)).paid_start == date(2026, 1, 10)
    assert contract.trial_ended(date(2026, 1, 1)).trial_end is None
    with pytest.raises(Conflict):
        contract.trial_ended(date(2026, 2, 1))


# -- properties -------------------------------------------------------------------------------

terms_strategy = st.sampled_from(
    [
        FLEX,
        MAGAZINE,
        FIXED,
        ContractTerms(
            MONTH,
            Interval(IntervalUnit.MONTH, 24),
            RenewalMode.RENEW,
            Interval(IntervalUnit.MONTH, 3),
            offered_to_consumers=False,
        ),
    ]
)
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
offsets = st.integers(min_value=0, max_value=900)


@st.composite
def lifecycles(draw: st.DrawFn) -> Lifecycle:
    start = draw(starts)
    trial_days = draw(st.sampled_from([0, 0, 14, 30]))
    return Lifecycle(
        concluded_on=start,
        start=start,
        terms=draw(terms_strategy),
        trial_end=start + timedelta(days=trial_days) if trial_days else None,
    )


@settings(max_examples=300, deadline=None)
@given(lifecycles(), st.lists(st.tuples(offsets, st.integers(1, 60)), max_size=8))
def test_accepted_pauses_never_overlap(contract: Lifecycle, requests) -> None:
    for offset, length in requests:
        start = contract.start + timedelta(days=offset)
        try:
            contract = contract.paused(start, start + timedelta(days=length))
        except TurnusError:
            continue
    for index, pause in enumerate(contract.pauses):
        for other in contract.pauses[index + 1 :]:
            assert not pause.overlaps(other)
        assert pause.start >= contract.paid_start


@settings(max_examples=300, deadline=None)
@given(lifecycles(), offsets, st.integers(0, 1200))
def test_exactly_one_state_and_ordinary_end_respects_the_minimum_term(
    contract: Lifecycle, received_offset: int, day_offset: int
) -> None:
    received = contract.start + timedelta(days=received_offset)
    try:
        cancelled = contract.cancelled(CancellationKind.ORDINARY, received)
    except TurnusError:
        assert contract.end is not None and received >= contract.end
        return
    assert cancelled.end is not None
    term_end = contract.minimum_term_end
    if term_end is not None and not contract.in_trial(received):
        assert cancelled.end >= min(term_end, contract.fixed_end or term_end)
    assert (
        cancelled.end > received
        or contract.in_trial(received)
        or (contract.fixed_end is not None and cancelled.end == contract.fixed_end)
    )
    day = contract.start + timedelta(days=day_offset)
    state = cancelled.state_on(day)
    assert state in ContractState
    assert (state is ContractState.ENDED) == (day >= cancelled.end)
    if day < contract.start:
        assert state is ContractState.FUTURE


def test_skipping_a_period() -> None:
    contract = coffee(date(2026, 1, 15))
    assert contract.next_period_start(date(2026, 3, 3)) == date(2026, 3, 15)
    assert contract.next_period_start(date(2026, 3, 15)) == date(2026, 4, 15)
    skipped = contract.skipped(date(2026, 4, 15), today=date(2026, 3, 3))
    assert skipped.skips == (date(2026, 4, 15),)
    with pytest.raises(Conflict):
        skipped.skipped(date(2026, 4, 15), today=date(2026, 3, 3))
    with pytest.raises(ValidationFailed) as info:
        contract.skipped(date(2026, 4, 16), today=date(2026, 3, 3))
    assert "2026-04-15" in info.value.errors[0].reason
    with pytest.raises(ValidationFailed):
        contract.skipped(date(2026, 3, 15), today=date(2026, 3, 15))  # already started
    paused = contract.paused(date(2026, 5, 1), date(2026, 5, 10))
    with pytest.raises(Conflict):
        paused.skipped(date(2026, 4, 15), today=date(2026, 3, 3))
