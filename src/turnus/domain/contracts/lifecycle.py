"""The lifecycle of a contract, derived from a few dated facts: start, trial end, pauses, a
cancellation, a suspension. The state on any day is computed, never stored, so a backdated
order changes the past consistently and the history can be replayed.

Dates are calendar dates in the tenant's time zone; every end is exclusive (the first day no
longer covered).

Rules:
- The minimum term counts from the paid start (after the trial), or from the day a plan change
  took effect (a new commitment); pauses do not extend it.
- A pause is a window ``[start, end)`` inside the contract's life, after the trial; windows
  never overlap. Resuming early ends the running pause on the resume date.
- Ordinary cancellation ends at the earliest end the terms allow
  (``turnus.domain.catalog.terms.earliest_cancellation_end``) or at a later requested date;
  during the trial it ends with the trial. It can be revoked until it takes effect.
- Immediate cancellation ends the contract on the day of receipt (the merchant's decision;
  remaining prepaid days are credited by billing). Extraordinary cancellation needs a reason
  and ends on the day of receipt or a requested later date.
- Skipping leaves out one whole billing period (and its delivery) that has not started yet; it
  is billed and shipped as if paused. A period is skipped at most once.
- Withdrawal (Widerruf) is possible within 14 days of conclusion; the contract ends on the day
  of receipt and billing reverses it from the start (charging pro-rata compensation if the
  service started early at the customer's request).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from turnus.domain.catalog.calendar import period_containing
from turnus.domain.catalog.model import ContractTerms, RenewalMode
from turnus.domain.catalog.terms import (
    earliest_cancellation_end,
    minimum_term_end,
    notice_deadline,
)
from turnus.domain.errors import Conflict, ValidationFailed

WITHDRAWAL_DAYS = 14


class ContractState(StrEnum):
    FUTURE = "future"
    TRIAL = "trial"
    ACTIVE = "active"
    PAUSED = "paused"
    IN_NOTICE = "in_notice"
    ENDED = "ended"
    SUSPENDED = "suspended"


class CancellationKind(StrEnum):
    ORDINARY = "ordinary"
    IMMEDIATE = "immediate"
    EXTRAORDINARY = "extraordinary"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True)
class Pause:
    start: date
    end: date  # exclusive
    fee: int | None = None  # reduced fee per paused billing period, minor units; None: free

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationFailed.field("/end", "a pause ends after it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def overlaps(self, other: Pause) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class Cancellation:
    kind: CancellationKind
    received_on: date
    end: date  # exclusive: the first day no longer served
    reason: str | None = None


@dataclass(frozen=True)
class Lifecycle:
    concluded_on: date  # when the contract was concluded (signup); starts the withdrawal period
    start: date
    terms: ContractTerms
    trial_end: date | None = None  # exclusive end of the trial = first paid day
    billing_anchor: date | None = None
    term_start: date | None = None  # start of the current commitment; default: the paid start
    pauses: tuple[Pause, ...] = ()
    skips: tuple[date, ...] = ()  # starts of skipped billing periods
    cancellation: Cancellation | None = None
    suspended_on: date | None = None

    def __post_init__(self) -> None:
        if self.trial_end is not None and self.trial_end <= self.start:
            raise ValidationFailed.field("/trial_end", "the trial ends after the contract starts")

    # -- derived dates ------------------------------------------------------------------------
    @property
    def paid_start(self) -> date:
        return self.trial_end or self.start

    @property
    def term_begins(self) -> date:
        """Where the minimum term counts from: the paid start, or the day of a plan change."""
        return self.term_start or self.paid_start

    @property
    def minimum_term_end(self) -> date | None:
        return minimum_term_end(self.term_begins, self.terms)

    @property
    def fixed_end(self) -> date | None:
        """The end of a fixed-term contract (renewal mode ``end``)."""
        return self.minimum_term_end if self.terms.renewal is RenewalMode.END else None

    @property
    def end(self) -> date | None:
        ends = [d for d in (self.fixed_end, self.cancellation and self.cancellation.end) if d]
        return min(ends) if ends else None

    def in_trial(self, day: date) -> bool:
        return self.trial_end is not None and self.start <= day < self.trial_end

    def pause_on(self, day: date) -> Pause | None:
        return next((p for p in self.pauses if day in p), None)

    def state_on(self, day: date) -> ContractState:
        if day < self.start:
            return ContractState.FUTURE
        end = self.end
        if end is not None and day >= end:
            return ContractState.ENDED
        if self.suspended_on is not None and day >= self.suspended_on:
            return ContractState.SUSPENDED
        if self.pause_on(day) is not None:
            return ContractState.PAUSED
        if self.in_trial(day):
            return ContractState.TRIAL
        if self.cancellation is not None and self.cancellation.received_on <= day:
            return ContractState.IN_NOTICE
        return ContractState.ACTIVE

    def earliest_ordinary_end(self, received_on: date) -> date:
        if self.in_trial(received_on) or received_on < self.start:
            return self.paid_start if self.trial_end else self.start
        return earliest_cancellation_end(
            self.term_begins, self.terms, received_on, self.billing_anchor or self.paid_start
        )

    def cancel_by(self, today: date) -> date:
        """The last day an ordinary cancellation may arrive and still end the contract on
        ``earliest_ordinary_end(today)``."""
        end = self.earliest_ordinary_end(today)
        if self.in_trial(today) or today < self.start:
            return max(today, end - timedelta(days=1))
        terms = self.terms
        if terms.minimum_term is None:
            return max(today, notice_deadline(end, terms.notice_period))
        if end == self.minimum_term_end or terms.renewal is not RenewalMode.CONVERT_INDEFINITE:
            return max(today, notice_deadline(end, terms.notice_period))
        return today  # running indefinitely: every later day moves the end a day later

    # -- changes ------------------------------------------------------------------------------
    def require_running(self, day: date, pointer: str) -> None:
        if self.state_on(day) is ContractState.ENDED:
            raise Conflict(f"The contract has ended ({self.end}); it cannot change any more.")
        if self.end is not None and day >= self.end:
            raise ValidationFailed.field(pointer, f"is on or after the contract's end ({self.end})")

    def paused(self, start: date, end: date, fee: int | None = None) -> Lifecycle:
        if fee is not None and fee < 0:
            raise ValidationFailed.field("/fee", "must not be negative")
        pause = Pause(start, end, fee)
        self.require_running(start, "/start")
        if start < self.paid_start:
            raise ValidationFailed.field(
                "/start", f"a contract cannot be paused before its paid start ({self.paid_start})"
            )
        if self.end is not None and end > self.end:
            raise ValidationFailed.field("/end", f"is after the contract's end ({self.end})")
        for existing in self.pauses:
            if pause.overlaps(existing):
                raise Conflict(
                    f"The pause overlaps the pause from {existing.start} to {existing.end}."
                )
        return replace(self, pauses=tuple(sorted((*self.pauses, pause), key=lambda p: p.start)))

    def with_terms(self, terms: ContractTerms, on: date) -> Lifecycle:
        """Switch to another plan variant's terms from ``on``; a new commitment starts then
        (during the trial it starts with the paid start as before)."""
        self.require_running(on, "/effective_on")
        if on < self.start:
            raise ValidationFailed.field("/effective_on", "is before the contract starts")
        if self.cancellation is not None:
            raise Conflict(
                "The contract is cancelled; revoke the cancellation before changing its plan."
            )
        return replace(self, terms=terms, term_start=on if on > self.paid_start else None)

    def skipped(self, period_start: date, today: date) -> Lifecycle:
        """Skip the billing period starting on ``period_start`` (one not started yet)."""
        anchor = self.billing_anchor or self.paid_start
        period = period_containing(anchor, self.terms.billing_interval, period_start)
        if period.start != period_start:
            raise ValidationFailed.field(
                "/period_start", f"is not the start of a billing period (that is {period.start})"
            )
        if period_start <= today:
            raise ValidationFailed.field(
                "/period_start", "only periods not yet started can be skipped"
            )
        self.require_running(period_start, "/period_start")
        if period_start < self.paid_start:
            raise ValidationFailed.field("/period_start", "the trial cannot be skipped")
        if period_start in self.skips:
            raise Conflict(f"The period starting {period_start} is already skipped.")
        if any(p.overlaps(Pause(period.start, period.end)) for p in self.pauses):
            raise Conflict(f"The period starting {period_start} overlaps a pause.")
        return replace(self, skips=tuple(sorted((*self.skips, period_start))))

    def next_period_start(self, today: date) -> date:
        anchor = self.billing_anchor or self.paid_start
        first = max(today, self.paid_start)
        period = period_containing(anchor, self.terms.billing_interval, first)
        return period.start if period.start > today else period.end

    def resumed(self, on: date) -> Lifecycle:
        running = self.pause_on(on)
        if running is None or running.start == on:
            # resuming on a pause's first day removes that pause entirely
            upcoming = next((p for p in self.pauses if p.start == on), None)
            if upcoming is None:
                raise Conflict(f"The contract is not paused on {on}.")
            return replace(self, pauses=tuple(p for p in self.pauses if p != upcoming))
        shortened = Pause(running.start, on, running.fee)
        return replace(self, pauses=tuple(shortened if p == running else p for p in self.pauses))

    def cancelled(
        self,
        kind: CancellationKind,
        received_on: date,
        requested_end: date | None = None,
        reason: str | None = None,
    ) -> Lifecycle:
        self.require_running(received_on, "/received_on")
        if self.cancellation is not None:
            raise Conflict(f"The contract is already cancelled to {self.cancellation.end}.")
        end = self._cancellation_end(kind, received_on, requested_end, reason)
        if self.fixed_end is not None and end > self.fixed_end:
            end = self.fixed_end
        return replace(self, cancellation=Cancellation(kind, received_on, end, reason))

    def _cancellation_end(
        self,
        kind: CancellationKind,
        received_on: date,
        requested_end: date | None,
        reason: str | None,
    ) -> date:
        if kind is CancellationKind.ORDINARY:
            earliest = self.earliest_ordinary_end(received_on)
            if requested_end is not None and requested_end < earliest:
                raise ValidationFailed.field(
                    "/requested_end", f"the earliest possible end is {earliest.isoformat()}"
                )
            return requested_end or earliest
        if kind is CancellationKind.EXTRAORDINARY:
            if not (reason or "").strip():
                raise ValidationFailed.field(
                    "/reason", "an extraordinary cancellation needs a reason"
                )
            if requested_end is not None and requested_end < received_on:
                raise ValidationFailed.field("/requested_end", "is before the day of receipt")
            return max(requested_end or received_on, self.start)
        if requested_end is not None:
            raise ValidationFailed.field(
                "/requested_end", f"does not apply to a {kind.value} cancellation"
            )
        if kind is CancellationKind.WITHDRAWAL:
            deadline = self.concluded_on + timedelta(days=WITHDRAWAL_DAYS)
            if received_on > deadline:
                raise ValidationFailed.field(
                    "/received_on", f"the 14-day withdrawal period ended on {deadline.isoformat()}"
                )
        return max(received_on, self.start)

    def revoked(self, on: date) -> Lifecycle:
        if self.cancellation is None:
            raise Conflict("The contract has no pending cancellation.")
        if self.cancellation.kind is not CancellationKind.ORDINARY:
            raise Conflict(f"A {self.cancellation.kind.value} cancellation cannot be revoked.")
        if on >= self.cancellation.end:
            raise Conflict("The cancellation has already taken effect.")
        return replace(self, cancellation=None)

    def trial_ended(self, on: date) -> Lifecycle:
        if not self.in_trial(on):
            raise Conflict(f"The contract is not in its trial on {on}.")
        return replace(self, trial_end=on if on > self.start else None)
