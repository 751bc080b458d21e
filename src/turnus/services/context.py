"""Who acts, for which tenant, at which time: handed to every use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from turnus.domain.clock import TenantClock, TenantMode
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import WallClock
from turnus.store.scope import TenantScope
from turnus.store.tables import tenants


@dataclass(frozen=True)
class Actor:
    """``type`` is api_key, operator, cli, user or system; ``id`` identifies it within the type."""

    type: str
    id: str


@dataclass
class TenantContext:
    uow: UnitOfWork
    tenant_id: str
    actor: Actor
    wall_clock: WallClock
    request_id: str | None = None
    _clock: TenantClock | None = field(default=None, repr=False)

    @property
    def scope(self) -> TenantScope:
        return self.uow.scope(self.tenant_id)

    @property
    def clock(self) -> TenantClock:
        if self._clock is None:
            row = (
                self.uow.connection.execute(tenants.select().where(tenants.c.id == self.tenant_id))
                .mappings()
                .one()
            )
            self._clock = TenantClock(
                mode=TenantMode(row["mode"]),
                timezone=row["timezone"],
                frozen_at=row["clock_frozen_at"],
            )
        return self._clock

    def reset_clock(self) -> None:
        self._clock = None

    def use_clock(self, clock: TenantClock) -> None:
        """Let the rest of this unit of work see ``clock`` (a sandbox moving forward)."""
        self._clock = clock

    def now(self) -> datetime:
        """The tenant's current instant (sandbox: the frozen time)."""
        return self.clock.now(self.wall_clock.now())

    def today(self) -> date:
        return self.clock.today(self.wall_clock.now())
