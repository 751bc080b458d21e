"""Usage events, aggregation and the free quota."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.model import Aggregation
from turnus.domain.catalog.usage import (
    UsageEvent,
    aggregate,
    billable_quantity,
    events_in_period,
)
from turnus.domain.errors import ValidationFailed

D = Decimal
T0 = datetime(2026, 3, 1, tzinfo=UTC)
FAST = settings(max_examples=80, deadline=None)


def at(minutes: int, quantity: str = "1", key: str | None = None, event_id: str = "") -> UsageEvent:
    return UsageEvent(T0 + timedelta(minutes=minutes), D(quantity), key, event_id)


EVENTS = [
    at(0, "1.5", "alice"),
    at(30, "2", "bob"),
    at(10, "0.25", "alice"),
    at(20, "4"),
]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        (Aggregation.SUM, "7.75"),  # 1.5 + 2 + 0.25 + 4
        (Aggregation.MAX, "4"),
        (Aggregation.COUNT, "4"),
        (Aggregation.UNIQUE_COUNT, "2"),  # alice, bob; the keyless event is ignored
        (Aggregation.LAST, "2"),  # the 30-minute event, though not last in the list
    ],
)
def test_aggregations(aggregation: Aggregation, expected: str) -> None:
    assert aggregate(EVENTS, aggregation) == D(expected)


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_aggregating_nothing_gives_zero(aggregation: Aggregation) -> None:
    assert aggregate([], aggregation) == 0


def test_aggregate_consumes_a_one_shot_iterable() -> None:
    assert aggregate(iter(EVENTS), Aggregation.SUM) == D("7.75")
    assert aggregate((e for e in EVENTS), Aggregation.LAST) == D(2)


def test_last_breaks_ties_by_input_order() -> None:
    events = [at(5, "3", event_id="a"), at(5, "8", event_id="b"), at(1, "9")]
    assert aggregate(events, Aggregation.LAST) == D(8)
    assert aggregate(list(reversed(events)), Aggregation.LAST) == D(3)


def test_last_compares_instants_across_time_zones() -> None:
    plus_two = timezone(timedelta(hours=2))
    local = UsageEvent(datetime(2026, 3, 1, 10, 0, tzinfo=plus_two), D(5))  # 08:00 UTC
    utc = UsageEvent(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), D(7))
    assert aggregate([utc, local], Aggregation.LAST) == D(7)
    assert aggregate([local, utc], Aggregation.LAST) == D(7)


def test_max_of_zero_quantities() -> None:
    assert aggregate([at(0, "0"), at(1, "0")], Aggregation.MAX) == 0


def test_sum_stays_exact_beyond_the_default_precision() -> None:
    events = [at(0, str(10**30)), at(1, "0.000001")]
    assert aggregate(events, Aggregation.SUM) == D("1000000000000000000000000000000.000001")


def test_unique_count_treats_an_empty_key_as_a_key() -> None:
    events = [at(0, key=""), at(1, key=""), at(2), at(3, key="x")]
    assert aggregate(events, Aggregation.UNIQUE_COUNT) == 2


@pytest.mark.parametrize(
    ("aggregated", "included", "expected"),
    [
        ("100", "30", "70"),
        ("30", "30", "0"),
        ("20", "30", "0"),
        ("0", "0", "0"),
        ("10.5", "0.25", "10.25"),
        ("1000000000000", "1000", "999999999000"),
    ],
)
def test_billable_quantity_takes_off_the_free_quota(
    aggregated: str, included: str, expected: str
) -> None:
    assert billable_quantity(D(aggregated), D(included)) == D(expected)


def test_a_negative_quota_is_refused() -> None:
    with pytest.raises(ValueError, match="included"):
        billable_quantity(D(10), D(-1))


def test_events_in_a_half_open_period() -> None:
    start, end = T0 + timedelta(minutes=10), T0 + timedelta(minutes=30)
    events = [at(30, event_id="end"), at(9, event_id="before"), at(10, event_id="start")]
    events += [at(29, event_id="inside"), at(31, event_id="after")]
    assert [e.event_id for e in events_in_period(events, start, end)] == ["start", "inside"]
    assert events_in_period(events, start, start) == []


def test_events_in_period_compares_instants() -> None:
    plus_one = timezone(timedelta(hours=1))
    start = datetime(2026, 3, 1, 1, 0, tzinfo=plus_one)  # = T0 in UTC
    end = datetime(2026, 3, 1, 1, 10, tzinfo=plus_one)
    assert [e.minute for e in (x.occurred_at for x in events_in_period(EVENTS, start, end))] == [0]


def test_events_in_period_refuses_bad_bounds() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        events_in_period(EVENTS, datetime(2026, 3, 1), datetime(2026, 4, 1))
    with pytest.raises(ValueError, match="no earlier"):
        events_in_period(EVENTS, T0, T0 - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("occurred_at", "quantity", "expected"),
    [
        (datetime(2026, 3, 1), D(1), ["/occurred_at"]),
        (T0, D(-1), ["/quantity"]),
        (T0, D("NaN"), ["/quantity"]),
        (T0, 1.5, ["/quantity"]),
        (datetime(2026, 3, 1), D("-0.5"), ["/occurred_at", "/quantity"]),
    ],
)
def test_invalid_usage_events_are_refused(
    occurred_at: datetime, quantity: Decimal, expected: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as info:
        UsageEvent(occurred_at, quantity)
    assert [e.pointer for e in info.value.errors] == expected


def test_usage_events_are_immutable_values() -> None:
    event = at(0, "2", "k", "evt_1")
    assert event == UsageEvent(T0, D(2), "k", "evt_1")
    with pytest.raises(AttributeError):
        event.quantity = D(3)  # type: ignore[misc]


# --- properties -------------------------------------------------------------------------------

events_strategy = st.lists(
    st.builds(
        UsageEvent,
        occurred_at=st.datetimes(
            min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
        ),
        quantity=st.decimals(min_value=0, max_value=10**9, places=4),
        unique_key=st.none() | st.sampled_from(["a", "b", "c", "d", "e"]),
    ),
    max_size=20,
)


@FAST
@given(first=events_strategy, second=events_strategy)
def test_sum_is_additive(first: list[UsageEvent], second: list[UsageEvent]) -> None:
    combined = aggregate(first + second, Aggregation.SUM)
    assert combined == aggregate(first, Aggregation.SUM) + aggregate(second, Aggregation.SUM)


@FAST
@given(events=events_strategy)
def test_counts(events: list[UsageEvent]) -> None:
    count = aggregate(events, Aggregation.COUNT)
    assert count == len(events)
    assert 0 <= aggregate(events, Aggregation.UNIQUE_COUNT) <= count
    assert aggregate(events, Aggregation.UNIQUE_COUNT) <= 5


@FAST
@given(events=events_strategy)
def test_max_and_last_are_among_the_quantities(events: list[UsageEvent]) -> None:
    quantities = [e.quantity for e in events] or [D(0)]
    assert aggregate(events, Aggregation.MAX) in quantities
    assert aggregate(events, Aggregation.LAST) in quantities
    assert all(q <= aggregate(events, Aggregation.MAX) for q in quantities)


@FAST
@given(
    events=events_strategy,
    split=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
)
def test_adjacent_periods_partition_the_events(events: list[UsageEvent], split: datetime) -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    left = events_in_period(events, start, split)
    right = events_in_period(events, split, end)
    assert len(left) + len(right) == len(events)
    assert all(e.occurred_at < split for e in left)
    assert all(e.occurred_at >= split for e in right)


@FAST
@given(
    aggregated=st.decimals(min_value=0, max_value=10**9, places=4),
    included=st.decimals(min_value=0, max_value=10**9, places=4),
)
def test_billable_quantity_is_never_negative(aggregated: Decimal, included: Decimal) -> None:
    billable = billable_quantity(aggregated, included)
    assert billable >= 0
    assert billable == (aggregated - included if aggregated >= included else 0)
