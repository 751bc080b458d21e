"""Price versions: grandfathering and migration, exact to the period start."""

import random
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import period_at, shift
from turnus.domain.catalog.model import Interval, IntervalUnit, Price, PriceVersion, PricingModel
from turnus.domain.catalog.versions import (
    price_changes,
    signup_version,
    validate_versions,
    version_for_period,
)
from turnus.domain.errors import ValidationFailed

MONTH = Interval(IntervalUnit.MONTH)
QUARTER = Interval(IntervalUnit.MONTH, 3)
WEEK = Interval(IntervalUnit.WEEK)


def version(
    vid: str,
    effective: date,
    amount: str = "1",
    migrate: bool = False,
    seq: int = 0,
    currencies: tuple[str, ...] = ("EUR",),
) -> PriceVersion:
    prices = tuple(Price(c, PricingModel.FLAT, Decimal(amount)) for c in currencies)
    return PriceVersion(vid, effective, prices, migrate, seq)


def starts(anchor: date, interval: Interval, count: int) -> list[date]:
    return [shift(anchor, interval, k) for k in range(count)]


V1 = version("v1", date(2026, 1, 1), "14.90")
V2_GRANDFATHERED = version("v2", date(2026, 6, 15), "15.90")
V3_MIGRATING = version("v3", date(2026, 9, 10), "16.90", migrate=True)


# -- signup version ---------------------------------------------------------------------------


def test_contract_signed_after_a_change_gets_the_new_price() -> None:
    versions = [V1, V2_GRANDFATHERED]
    assert signup_version(versions, date(2026, 6, 15)) is V2_GRANDFATHERED
    assert signup_version(versions, date(2026, 6, 14)) is V1
    assert version_for_period(versions, date(2026, 6, 20), date(2026, 6, 20)) is V2_GRANDFATHERED
    assert version_for_period(versions, date(2026, 6, 20), date(2026, 7, 20)) is V2_GRANDFATHERED


def test_same_day_versions_are_ordered_by_sequence() -> None:
    first = version("a", date(2026, 5, 1), "1", seq=0)
    second = version("b", date(2026, 5, 1), "2", seq=1)
    assert signup_version([second, first], date(2026, 5, 1)) is second
    assert signup_version([first, second], date(2026, 6, 1)) is second
    assert signup_version([first, second], date(2026, 4, 30)) is first  # none effective yet


def test_signup_before_the_first_version_takes_the_earliest() -> None:
    later = version("late", date(2027, 1, 1))
    latest = version("later", date(2028, 1, 1))
    assert signup_version([latest, later], date(2026, 1, 1)) is later
    # the grandfathered contract keeps it, also once the later version is effective
    assert version_for_period([latest, later], date(2026, 1, 1), date(2026, 1, 1)) is later
    assert version_for_period([latest, later], date(2026, 1, 1), date(2028, 1, 1)) is later
    with pytest.raises(ValueError):
        signup_version([], date(2026, 1, 1))


def test_signup_before_the_first_version_still_migrates() -> None:
    first = version("first", date(2027, 1, 1))
    migrating = version("m", date(2027, 3, 1), migrate=True)
    signed = date(2026, 12, 15)  # monthly periods on the 15th
    assert version_for_period([first, migrating], signed, date(2027, 2, 15)) is first
    assert version_for_period([first, migrating], signed, date(2027, 3, 15)) is migrating


# -- grandfathering and migration -------------------------------------------------------------


def test_contract_keeps_its_signup_price_after_a_grandfathered_change() -> None:
    versions = [V1, V2_GRANDFATHERED]
    signed = date(2026, 3, 1)
    assert version_for_period(versions, signed, date(2026, 6, 15)) is V1
    assert version_for_period(versions, signed, date(2026, 7, 1)) is V1
    assert version_for_period(versions, signed, date(2030, 1, 1)) is V1


def test_migrating_change_applies_from_the_next_period_start_never_mid_period() -> None:
    versions = [V1, V2_GRANDFATHERED, V3_MIGRATING]
    signed = date(2026, 3, 5)  # monthly periods start on the 5th
    # the period 2026-09-05..10-05 contains Sep 10 but started before: old price
    assert version_for_period(versions, signed, date(2026, 9, 5)) is V1
    assert version_for_period(versions, signed, date(2026, 10, 5)) is V3_MIGRATING
    assert version_for_period(versions, signed, date(2027, 10, 5)) is V3_MIGRATING


def test_migration_effective_exactly_on_a_period_start_applies_to_that_period() -> None:
    versions = [V1, V3_MIGRATING]
    assert version_for_period(versions, date(2026, 2, 10), date(2026, 9, 10)) is V3_MIGRATING
    assert version_for_period(versions, date(2026, 2, 10), date(2026, 8, 10)) is V1


def test_migration_follows_the_clamped_period_starts() -> None:
    # monthly from Jan 31: periods start Feb 28, Mar 31, Apr 30
    on_feb_28 = version("feb28", date(2026, 2, 28), migrate=True)
    on_mar_1 = version("mar1", date(2026, 3, 1), migrate=True)
    signed = date(2026, 1, 31)
    assert version_for_period([V1, on_feb_28], signed, date(2026, 2, 28)) is on_feb_28
    assert version_for_period([V1, on_mar_1], signed, date(2026, 2, 28)) is V1
    assert version_for_period([V1, on_mar_1], signed, date(2026, 3, 31)) is on_mar_1


def test_quarterly_contract_migrates_only_at_its_quarter_start() -> None:
    versions = [V1, V3_MIGRATING]  # effective 2026-09-10
    signed = date(2026, 1, 15)  # quarters start Jan 15, Apr 15, Jul 15, Oct 15
    quarter_starts = starts(signed, QUARTER, 5)
    assert price_changes(versions, signed, quarter_starts) == [
        (date(2026, 1, 15), V1),
        (date(2026, 10, 15), V3_MIGRATING),
    ]


def test_later_grandfathered_version_does_not_undo_a_migration() -> None:
    v4 = version("v4", date(2027, 1, 1), "12.90")
    versions = [V1, V3_MIGRATING, v4]
    signed = date(2026, 2, 1)
    assert version_for_period(versions, signed, date(2026, 10, 1)) is V3_MIGRATING
    assert version_for_period(versions, signed, date(2027, 2, 1)) is V3_MIGRATING
    # new contracts get the grandfathered version
    assert signup_version(versions, date(2027, 1, 1)) is v4
    assert version_for_period(versions, date(2027, 1, 1), date(2027, 2, 1)) is v4


def test_a_migration_older_than_the_signup_version_does_not_apply() -> None:
    v4 = version("v4", date(2027, 1, 1), "12.90")
    versions = [V1, V3_MIGRATING, v4]
    # signed between the migration and the grandfathered v4: the migration is the signup version
    assert version_for_period(versions, date(2026, 12, 1), date(2027, 3, 1)) is V3_MIGRATING
    # signed after v4: the older migration never applies
    assert version_for_period(versions, date(2027, 2, 1), date(2030, 2, 1)) is v4


def test_successive_migrations_each_take_over_at_the_next_period_start() -> None:
    first = version("m1", date(2026, 4, 20), "15", migrate=True)
    second = version("m2", date(2026, 7, 1), "16", migrate=True)
    signed = date(2026, 2, 1)
    changes = price_changes([second, V1, first], signed, starts(signed, MONTH, 12))
    assert changes == [
        (date(2026, 2, 1), V1),
        (date(2026, 5, 1), first),
        (date(2026, 7, 1), second),
    ]


def test_same_day_migrations_higher_sequence_wins() -> None:
    low = version("low", date(2026, 5, 1), "2", migrate=True, seq=0)
    high = version("high", date(2026, 5, 1), "3", migrate=True, seq=1)
    signed = date(2026, 1, 1)
    for versions in ([V1, low, high], [high, low, V1]):
        assert version_for_period(versions, signed, date(2026, 5, 1)) is high


def test_grandfathered_version_with_higher_sequence_blocks_a_same_day_migration() -> None:
    migrating = version("m", date(2026, 5, 1), "2", migrate=True, seq=0)
    grandfathered = version("g", date(2026, 5, 1), "3", seq=1)
    versions = [V1, migrating, grandfathered]
    # signed before: the migration applies (the grandfathered one never does)
    assert version_for_period(versions, date(2026, 2, 1), date(2026, 5, 1)) is migrating
    # signed on that day: the later (higher sequence) version is the signup version and stays
    assert version_for_period(versions, date(2026, 5, 1), date(2026, 8, 1)) is grandfathered


def test_weekly_contract_migrates_at_the_next_week_start() -> None:
    migrating = version("m", date(2026, 11, 25), migrate=True)  # a Wednesday
    signed = date(2026, 11, 2)  # Mondays
    assert price_changes([V1, migrating], signed, starts(signed, WEEK, 6)) == [
        (date(2026, 11, 2), V1),
        (date(2026, 11, 30), migrating),
    ]


def test_price_changes_lists_only_the_changes() -> None:
    versions = [V1, V2_GRANDFATHERED, V3_MIGRATING]
    changes = price_changes(versions, date(2026, 3, 5), starts(date(2026, 3, 5), MONTH, 10))
    assert changes == [(date(2026, 3, 5), V1), (date(2026, 10, 5), V3_MIGRATING)]
    assert price_changes(versions, date(2026, 3, 5), []) == []
    # the anchor of period_at agrees with shift
    assert [period_at(date(2026, 3, 5), MONTH, k).start for k in range(10)] == starts(
        date(2026, 3, 5), MONTH, 10
    )


# -- validation -------------------------------------------------------------------------------


def test_every_version_offers_the_same_currencies() -> None:
    eur = version("a", date(2026, 1, 1))
    both = version("b", date(2026, 2, 1), currencies=("EUR", "CHF"))
    chf = version("c", date(2026, 3, 1), currencies=("CHF",))
    validate_versions([eur, version("d", date(2026, 3, 1))])
    validate_versions([both, version("e", date(2027, 1, 1), currencies=("CHF", "EUR"))])
    with pytest.raises(ValidationFailed) as info:
        validate_versions([eur, both, eur, chf], "/variants/0/versions")
    assert [e.pointer for e in info.value.errors] == [
        "/variants/0/versions/1/prices",
        "/variants/0/versions/3/prices",
    ]
    with pytest.raises(ValidationFailed) as info:
        validate_versions([])
    assert [e.pointer for e in info.value.errors] == ["/versions"]


# -- properties -------------------------------------------------------------------------------

BASE = date(2025, 1, 1)
offsets = st.integers(min_value=0, max_value=1500)
intervals = st.sampled_from([MONTH, QUARTER, WEEK, Interval(IntervalUnit.DAY, 10)])


@st.composite
def version_lists(draw: st.DrawFn) -> list[PriceVersion]:
    count = draw(st.integers(min_value=1, max_value=6))
    return [
        version(
            f"v{i}",
            BASE + timedelta(days=draw(offsets)),
            str(i + 1),
            migrate=draw(st.booleans()),
            seq=draw(st.integers(0, 2)),
        )
        for i in range(count)
    ]


def order(v: PriceVersion) -> tuple[date, int, str]:
    return v.effective_from, v.sequence, v.id


@settings(max_examples=300, deadline=None)
@given(
    version_lists(),
    offsets,
    intervals,
    st.integers(min_value=1, max_value=40),
    st.randoms(use_true_random=False),
)
def test_version_properties(
    versions: list[PriceVersion],
    signed_offset: int,
    interval: Interval,
    periods: int,
    rnd: random.Random,
) -> None:
    signed = BASE + timedelta(days=signed_offset)
    period_starts = starts(signed, interval, periods)
    applied = [version_for_period(versions, signed, s) for s in period_starts]
    base = signup_version(versions, signed)
    effective_at_signup = any(v.effective_from <= signed for v in versions)

    # independent of the order of the input list
    shuffled = list(versions)
    rnd.shuffle(shuffled)
    assert applied == [version_for_period(shuffled, signed, s) for s in period_starts]
    assert signup_version(shuffled, signed) is base

    for start, chosen in zip(period_starts, applied, strict=True):
        # the signup version, or a later migrating one whose date has come
        assert chosen is base or (
            chosen.migrate_existing
            and chosen.effective_from <= start
            and order(chosen) > order(base)
        )
        # never a version that is not yet effective (unless signed before every version)
        assert chosen.effective_from <= start or (chosen is base and not effective_at_signup)

    for (previous_start, previous), (start, current) in pairwise(
        zip(period_starts, applied, strict=True)
    ):
        if current is not previous:
            # changes only at a period start, to a later migrating version that became
            # effective during the previous period (never mid-period, never late)
            assert current.migrate_existing
            assert order(current) > order(previous)
            assert previous_start < current.effective_from <= start

    if not any(v.migrate_existing for v in versions):
        assert all(v is base for v in applied)

    changes = price_changes(versions, signed, period_starts)
    assert changes[0] == (signed, applied[0])
    assert [v for _, v in changes] == [
        v for i, v in enumerate(applied) if i == 0 or v is not applied[i - 1]
    ]


@settings(max_examples=200, deadline=None)
@given(version_lists(), offsets, offsets)
def test_grandfathered_versions_never_reach_existing_contracts(
    versions: list[PriceVersion], signed_offset: int, later_offset: int
) -> None:
    signed = BASE + timedelta(days=signed_offset)
    period_start = signed + timedelta(days=later_offset)
    chosen = version_for_period(versions, signed, period_start)
    base = signup_version(versions, signed)
    # a non-migrating version that came after the signup version never applies
    later = [v for v in versions if not v.migrate_existing and order(v) > order(base)]
    assert all(chosen is not v for v in later)
    # a contract signed on the period start itself pays the signup version of that day, which
    # is never older than what an existing contract pays
    assert order(signup_version(versions, period_start)) >= order(chosen)
