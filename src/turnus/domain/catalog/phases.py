"""The phase timeline of a contract: trial -> intro -> regular (or fixed term).

Every end is exclusive (the first day of the next phase). The phases are contiguous, never
overlap and are never empty.

Rules (``timeline``):
- TRIAL: from the contract start for ``trial.length``, month ends clamped (a 1-month trial from
  Jan 31 ends Feb 28, Feb 29 in leap years). Its end is the *paid start*.
- INTRO: ``intro.periods`` whole billing periods of the schedule anchored at ``billing_anchor``
  (default: the paid start), computed from the anchor so month ends never drift. When the paid
  start is not a boundary of that schedule (an aligned anchor such as "the 1st of each month"),
  the partial stub period up to the first boundary belongs to the intro as well, so the customer
  always gets ``intro.periods`` full periods at the intro price. ``periods == 0`` means no intro.
- The minimum term counts from the paid start (after the trial), as in the contract lifecycle.
- renewal ``end`` with a minimum term: the contract ends at ``paid start + minimum term``; the
  last phase is FIXED_TERM up to that date, and an intro reaching past it is cut there (then the
  intro is the last phase and there is no FIXED_TERM phase). No phase is open-ended.
- Otherwise the last phase is REGULAR and open-ended (``end is None``); it is the only
  open-ended phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from turnus.domain.catalog.calendar import add, period_containing, shift
from turnus.domain.catalog.model import ContractTerms, Intro, RenewalMode, Trial


class PhaseKind(StrEnum):
    TRIAL = "trial"
    INTRO = "intro"
    REGULAR = "regular"
    FIXED_TERM = "fixed_term"


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    start: date
    end: date | None  # exclusive; None: open-ended

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise ValueError("a phase ends after it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day and (self.end is None or day < self.end)


def paid_start(start: date, trial: Trial | None) -> date:
    """The first day after the trial (the start itself without a trial)."""
    return start if trial is None else add(start, trial.length)


def fixed_end(start: date, terms: ContractTerms, trial: Trial | None = None) -> date | None:
    """The end of a fixed-term contract (renewal ``end``): paid start + minimum term."""
    if terms.renewal is not RenewalMode.END or terms.minimum_term is None:
        return None
    return add(paid_start(start, trial), terms.minimum_term)


def intro_end(paid: date, terms: ContractTerms, intro: Intro, billing_anchor: date | None) -> date:
    """The exclusive end of the intro: ``intro.periods`` whole billing periods after the first
    billing boundary on or after the paid start."""
    anchor = paid if billing_anchor is None else billing_anchor
    running = period_containing(anchor, terms.billing_interval, paid)
    first_full = running.index if running.start == paid else running.index + 1
    return shift(anchor, terms.billing_interval, first_full + intro.periods)


def timeline(
    start: date,
    terms: ContractTerms,
    trial: Trial | None,
    intro: Intro | None,
    billing_anchor: date | None = None,
) -> list[Phase]:
    """The phases of a contract starting on ``start`` (rules in the module docstring)."""
    if intro is not None and intro.periods < 0:
        raise ValueError("an intro lasts zero or more billing periods")
    phases: list[Phase] = []
    paid = paid_start(start, trial)
    if trial is not None:
        phases.append(Phase(PhaseKind.TRIAL, start, paid))
    end = fixed_end(start, terms, trial)
    cursor = paid
    if intro is not None and intro.periods > 0:
        until = intro_end(paid, terms, intro, billing_anchor)
        if end is not None:
            until = min(until, end)
        phases.append(Phase(PhaseKind.INTRO, cursor, until))
        cursor = until
    if end is None:
        phases.append(Phase(PhaseKind.REGULAR, cursor, None))
    elif cursor < end:
        phases.append(Phase(PhaseKind.FIXED_TERM, cursor, end))
    return phases


def phase_on(phases: list[Phase], day: date) -> Phase | None:
    """The phase that contains ``day`` (None before the start or after a fixed end)."""
    return next((phase for phase in phases if day in phase), None)
