"""What the application needs at run time: settings, the database engine, the wall clock."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from turnus.config import Settings
from turnus.services.wall_clock import WallClock


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    wall_clock: WallClock


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
