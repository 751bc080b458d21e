"""The one place that reads the system time. Business code asks the tenant clock instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class WallClock(Protocol):
    def now(self) -> datetime: ...


class SystemWallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedWallClock:
    """A wall clock for tests and tools that must not depend on the real time."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment
