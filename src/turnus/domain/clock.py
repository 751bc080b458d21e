"""Tenant clocks. Live tenants follow the wall clock; sandbox tenants stand still until advanced.

Business code never reads the system time. It asks the tenant clock, handing in the wall-clock
reading from the one adapter allowed to take it; that keeps the domain pure and every test
deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from turnus.domain.errors import Conflict, ValidationFailed


class TenantMode(StrEnum):
    LIVE = "live"
    SANDBOX = "sandbox"


def require_aware(moment: datetime, pointer: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed.field(pointer, "timestamp must carry a UTC offset")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class TenantClock:
    mode: TenantMode
    timezone: str
    frozen_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.mode is TenantMode.SANDBOX and self.frozen_at is None:
            raise ValueError("a sandbox clock needs a frozen time")
        if self.frozen_at is not None:
            require_aware(self.frozen_at, "/frozen_at")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def now(self, wall_now: datetime) -> datetime:
        """The tenant's current instant, in the tenant's time zone."""
        instant = self.frozen_at if self.frozen_at is not None else wall_now
        return require_aware(instant, "/now").astimezone(self.zone)

    def today(self, wall_now: datetime) -> date:
        """The calendar date in the tenant's time zone."""
        return self.now(wall_now).date()

    def advanced_to(self, target: datetime, wall_now: datetime) -> TenantClock:
        """A clock standing at ``target``. Only sandbox clocks move, and never backwards."""
        if self.mode is not TenantMode.SANDBOX:
            raise Conflict(
                "Only sandbox tenants can travel in time; live tenants follow real time."
            )
        target = require_aware(target, "/to")
        if target < self.now(wall_now):
            raise ValidationFailed.field(
                "/to", "the clock never moves backwards; choose a time at or after the current one"
            )
        return replace(self, frozen_at=target)
