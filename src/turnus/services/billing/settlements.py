"""Contracts' settlements as the billing schedule stores them (see
``turnus.domain.billing.settlement``), and the version of the engine's code they hold for."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from hashlib import blake2b
from pathlib import Path
from typing import Any

import turnus
import turnus.domain
from turnus.domain.billing.settlement import Settlement


@cache
def engine_version() -> str:
    """A digest of the domain layer's code: what the engine computes lines with. A release
    that changes any of it (a fix of proration, say) invalidates every settlement, and each
    contract is billed in full once more. The package's version counts too, for an install
    without the sources."""
    root = Path(turnus.domain.__file__).parent
    digest = blake2b(turnus.__version__.encode(), digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stored(row: Mapping[str, Any]) -> Settlement | None:
    """The settlement of a ``billing_schedule`` row (its ``settled_*`` columns)."""
    if row["settled_before"] is None or row["settled_digest"] is None:
        return None
    return Settlement(row["settled_before"], row["settled_digest"], row["settled_counts"] or {})


def columns(settlement: Settlement | None) -> dict[str, Any]:
    """The ``billing_schedule`` columns that store ``settlement`` (None: forgotten)."""
    if settlement is None:
        return {"settled_before": None, "settled_digest": None, "settled_counts": None}
    return {
        "settled_before": settlement.before,
        "settled_digest": settlement.fingerprint,
        "settled_counts": dict(settlement.counted) or None,
    }
