"""Price versions: which prices a contract pays for a billing period.

The rule (grandfathering with opt-in migration):
1. A contract keeps the version in effect when it was signed (its *signup version*): the latest
   version, by (effective_from, sequence), with effective_from <= the signing date; if none is
   effective yet, the earliest version (then, and only then, a contract can pay a version whose
   effective date has not come yet).
2. A later version marked ``migrate_existing`` takes over for every period whose *start* is on
   or after its effective date - at the contract's first period start on or after that date,
   never in the middle of a period. Effective exactly on a period start: from that period.
3. A later version not marked ``migrate_existing`` never affects existing contracts (only
   contracts signed on or after its effective date get it).
Among the candidates (the signup version and the migrating versions later than it whose date
has come) the latest (effective_from, sequence) wins, so a migration is not undone by a later
grandfathered version, and of two migrating versions the later one wins. The version id breaks
ties of (effective_from, sequence), so results never depend on the order of the input list.
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
    """At least one version, and every version offers exactly the currencies of the first one
    (so a contract never loses its currency). Names ``{pointer}/{i}/prices`` per offender."""
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
    """The version in effect on ``signed_on`` (rule 1). ``ValueError`` without versions."""
    if not versions:
        raise ValueError("no price versions")
    effective = [v for v in versions if v.effective_from <= signed_on]
    if effective:
        return max(effective, key=_order)
    return min(versions, key=_order)


def version_for_period(
    versions: Sequence[PriceVersion], signed_on: date, period_start: date
) -> PriceVersion:
    """The version a contract signed on ``signed_on`` pays for the billing period starting on
    ``period_start``: its signup version, or the latest migrating version later than that whose
    effective date is on or before ``period_start`` (rules 1-3 in the module docstring)."""
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
    """For consecutive period starts, ``(period start, version)`` for the first period and for
    every period whose version differs from the previous period's."""
    changes: list[tuple[date, PriceVersion]] = []
    for start in period_starts:
        version = version_for_period(versions, signed_on, start)
        if not changes or changes[-1][1] != version:
            changes.append((start, version))
    return changes
