"""Price versions: which prices a contract pays for a billing period.

The rule (grandfathering with opt-in migration):
1. A contract keeps the version in effect when it was signed: the latest version, by
   (effective_from, sequence), with effective_from <= the signing date; if none is effective
   yet, the earliest version.
2. A later version marked ``migrate_existing`` takes over for every period whose *start* is on
   or after its effective date - at the contract's first period start on or after that date,
   never in the middle of a period.
3. A later version not marked ``migrate_existing`` never affects existing contracts.
Among the candidates the latest (effective_from, sequence, id) wins, so a migrating change is not
undone by a later grandfathered one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from turnus.domain.catalog.model import PriceVersion
from turnus.domain.errors import FieldError, ValidationFailed


def _order(version: PriceVersion) -> tuple[date, int, str]:
    # The id breaks ties the store never produces (it keeps sequences unique per day), so the
    # result never depends on the order of the input.
    return version.effective_from, version.sequence, version.id


def validate_versions(versions: Sequence[PriceVersion], pointer: str = "/versions") -> None:
    if not versions:
        raise ValidationFailed.field(pointer, "at least one price version is required")
    currencies = {p.currency for p in versions[0].prices}
    errors = [
        FieldError(
            f"{pointer}/{index}/prices",
            "must offer the same currencies as the first version "
            f"({', '.join(sorted(currencies))})",
        )
        for index, version in enumerate(versions)
        if {p.currency for p in version.prices} != currencies
    ]
    if errors:
        raise ValidationFailed("Every price version must offer the same currencies.", errors)


def signup_version(versions: Sequence[PriceVersion], signed_on: date) -> PriceVersion:
    if not versions:
        raise ValueError("no price versions")
    effective = [v for v in versions if v.effective_from <= signed_on]
    if effective:
        return max(effective, key=_order)
    return min(versions, key=_order)


def version_for_period(
    versions: Sequence[PriceVersion], signed_on: date, period_start: date
) -> PriceVersion:
    base = signup_version(versions, signed_on)
    candidates = [base] + [
        v
        for v in versions
        if v.migrate_existing and _order(v) > _order(base) and v.effective_from <= period_start
    ]
    return max(candidates, key=_order)


def price_changes(
    versions: Sequence[PriceVersion], signed_on: date, period_starts: Sequence[date]
) -> list[tuple[date, PriceVersion]]:
    """For consecutive period starts, the version that applies where it changes."""
    changes: list[tuple[date, PriceVersion]] = []
    for start in period_starts:
        version = version_for_period(versions, signed_on, start)
        if not changes or changes[-1][1].id != version.id:
            changes.append((start, version))
    return changes
