from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.clock import TenantClock, TenantMode
from turnus.domain.errors import Conflict, ValidationFailed

WALL = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def sandbox(at: datetime) -> TenantClock:
    return TenantClock(TenantMode.SANDBOX, "Europe/Berlin", at)


def test_live_clock_follows_the_wall_clock_in_the_tenant_zone() -> None:
    clock = TenantClock(TenantMode.LIVE, "Europe/Berlin")
    assert clock.now(WALL) == WALL
    assert clock.now(WALL).utcoffset() == timedelta(hours=1)
    # 23:30 UTC on Dec 31 is already New Year in Berlin.
    assert clock.today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)


def test_sandbox_clock_stands_still() -> None:
    frozen = datetime(2026, 1, 1, tzinfo=UTC)
    clock = sandbox(frozen)
    assert clock.now(WALL) == frozen
    assert clock.now(WALL + timedelta(days=3)) == frozen


def test_sandbox_advances_forward_only() -> None:
    clock = sandbox(datetime(2026, 1, 1, tzinfo=UTC))
    later = clock.advanced_to(datetime(2026, 6, 1, tzinfo=UTC), WALL)
    assert later.now(WALL) == datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as info:
        later.advanced_to(datetime(2026, 5, 31, tzinfo=UTC), WALL)
    assert info.value.errors[0].pointer == "/to"


def test_live_clock_cannot_travel() -> None:
    with pytest.raises(Conflict):
        TenantClock(TenantMode.LIVE, "Europe/Berlin").advanced_to(WALL + timedelta(days=1), WALL)


def test_naive_target_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        sandbox(WALL).advanced_to(datetime(2027, 1, 1), WALL)


@given(st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)), max_size=20))
def test_advancing_is_monotonic(steps: list[timedelta]) -> None:
    clock = sandbox(WALL)
    for step in steps:
        # Compared in UTC: aware datetimes add timedeltas on the wall clock, and == between
        # zones is False for times inside a DST fold (PEP 495), both of which are not instants.
        before = clock.now(WALL).astimezone(UTC)
        clock = clock.advanced_to(before + step, WALL)
        assert clock.now(WALL).astimezone(UTC) == before + step
        assert clock.now(WALL).astimezone(UTC) >= before
