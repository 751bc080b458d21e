"""Price versions: grandfathering and migration, exact to the period start."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnus.domain.catalog.calendar import period_at
from turnus.domain.catalog.model import Interval, IntervalUnit, Price, PriceVersion, PricingModel
from turnus.domain.catalog.versions import (
    price_changes,
    signup_version,
    validate_versions,
    version_for_period,
)
from turnus.domain.errors import ValidationFailed

MONTH = Interval(IntervalUnit.MONTH)


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


V1 = version("v1", date(2026, 1, 1), "14.90")
V2_GRANDFATHERED = version("v2", date(2026, 6, 15), "15.90")
V3_MIGRATING = version("v3", date(2026, 9, 10), "16.90", migrate=True)


def test_contract_keeps_its_signup_price_after_a_grandfathered_change() -> None:
    versions = [V1, V2_GRANDFATHERED]
    signed = date(2026, 3, 1)
    assert version_for_period(versions, signed, date(2026, 7, 1)) is V1
    assert version_for_period(versions, signed, date(2030, 1, 1)) is V1


def test_contract_signed_after_a_change_gets_the_new_price() -> None:
    versions = [V1, V2_GRANDFATHERED]
    assert signup_version(versions, date(2026, 6, 15)) is V2_GRANDFATHERED
    assert signup_version(versions, date(2026, 6, 14)) is V1
    assert version_for_period(versions, date(2026, 6, 20), date(2026, 7, 20)) is V2_GRANDFATHERED


def test_migrating_change_applies_from_the_next_period_start_never_mid_period() -> None:
    versions = [V1, V2_GRANDFATHERED, V3_MIGRATING]
    signed = date(2026, 3, 5)  # monthly periods start on the 5th
    assert version_for_period(versions, signed, date(2026, 9, 5)) is V1  # before Sep 10
    assert version_for_period(versions, signed, date(2026, 10, 5)) is V3_MIGRATING


def test_migration_effective_exactly_on_a_period_start_applies_to_that_period() -> None:
    versions = [V1, V3_MIGRATING]
    assert version_for_period(versions, date(2026, 2, 10), date(2026, 9, 10)) is V3_MIGRATING
    assert version_for_period(versions, date(2026, 2, 10), date(2026, 8, 10)) is V1


def test_later_grandfathered_version_does_not_undo_a_migration() -> None:
    v4 = version("v4", date(2027, 1, 1), "12.90")
    versions = [V1, V3_MIGRATING, v4]
    signed = date(2026, 2, 1)
    assert version_for_period(versions, signed, date(2027, 2, 1)) is V3_MIGRATING
    assert signup_version(versions, date(2027, 1, 1)) is v4


def test_same_day_versions_are_ordered_by_sequence() -> None:
    first = version("a", date(2026, 5, 1), "1", seq=0)
    second = version("b", date(2026, 5, 1), "2", seq=1)
    assert signup_version([second, first], date(2026, 5, 1)) is second
    assert signup_version([first, second], date(2026, 6, 1)) is second


def test_signup_before_the_first_version_takes_the_earliest() -> None:
    later = version("late", date(2027, 1, 1))
    latest = version("later", date(2028, 1, 1))
    assert signup_version([latest, later], date(2026, 1, 1)) is later
    with pytest.raises(ValueError):
        signup_version([], date(2026, 1, 1))


def test_price_changes_lists_only_the_changes() -> None:
    versions = [V1, V2_GRANDFATHERED, V3_MIGRATING]
    starts = [period_at(date(2026, 3, 5), MONTH, k).start for k in range(10)]
    changes = price_changes(versions, date(2026, 3, 5), starts)
    assert changes == [(date(2026, 3, 5), V1), (date(2026, 10, 5), V3_MIGRATING)]


def test_every_version_offers_the_same_currencies() -> None:
    eur = version("a", date(2026, 1, 1))
    both = version("b", date(2026, 2, 1), currencies=("EUR", "CHF"))
    validate_versions([eur, version("c", date(2026, 3, 1))])
    with pytest.raises(ValidationFailed) as info:
        validate_versions([eur, both], "/versions")
    assert [e.pointer for e in info.value.errors] == ["/versions/1/prices"]
    with pytest.raises(ValidationFailed):
        validate_versions([])


days = st.integers(min_value=0, max_value=1500)


@st.composite
def version_lists(draw: st.DrawFn) -> list[PriceVersion]:
    base = date(2025, 1, 1)
    count = draw(st.integers(min_value=1, max_value=6))
    return [
        version(
            f"v{i}",
            base + timedelta(days=draw(days)),
            str(i + 1),
            migrate=draw(st.booleans()),
            seq=draw(st.integers(0, 2)),
        )
        for i in range(count)
    ]


@settings(max_examples=300, deadline=None)
@given(version_lists(), days, st.integers(min_value=1, max_value=40), st.randoms())
def test_version_properties(
    versions: list[PriceVersion], signed_offset: int, periods: int, rnd
) -> None:
    signed = date(2025, 1, 1) + timedelta(days=signed_offset)
    starts = [period_at(signed, MONTH, k).start for k in range(periods)]
    applied = [version_for_period(versions, signed, s) for s in starts]
    shuffled = list(versions)
    rnd.shuffle(shuffled)
    assert applied == [version_for_period(shuffled, signed, s) for s in starts]
    base = signup_version(versions, signed)
    assert applied[0] is base or applied[0].migrate_existing
    for start, chosen in zip(starts, applied, strict=True):
        # never a version that is not yet effective - unless it is the signup base
        assert chosen.effective_from <= start or chosen is base
        # a version other than the base is a migrating one whose date has come
        assert chosen is base or (chosen.migrate_existing and chosen.effective_from <= start)
    for previous, current in pairwise(applied):
        if current is not previous:
            assert current.migrate_existing
            assert (current.effective_from, current.sequence, current.id) > (
                previous.effective_from,
                previous.sequence,
                previous.id,
            )
    if not any(v.migrate_existing for v in versions):
        assert all(v is base for v in applied)
