"""Contract terms: validation, term ends, cancellation dates, and the consumer guard of
§309 Nr. 9 BGB.

Dates are calendar dates; an *end* is exclusive (the first day no longer served), so a
12-month contract starting 2026-01-01 ends 2027-01-01 and is served through 2026-12-31.

Cancellation rules (``earliest_cancellation_end``):
- Within a term (the minimum term, or a renewed term under ``renew``) the contract ends at the
  first term end whose notice deadline the cancellation meets: received on or before
  ``term_end - notice`` (without a notice: the day before the term end). Received exactly on
  the deadline is in time; a day later is not.
- ``end``: the contract ends with the minimum term anyway; a cancellation does not change that.
- ``convert_indefinite``: a cancellation that misses the initial deadline ends the contract
  ``notice_period_after_conversion`` after receipt (but never before the initial term end), on
  that exact date - as §309 Nr. 9 b BGB requires for consumers. Without a later notice it ends
  at the end of the billing period running on that day.
- Without a minimum term: at the first billing period boundary on or after receipt + notice;
  without a notice, at the end of the billing period running on the day of receipt.
"""

from __future__ import annotations

from datetime import date, timedelta

from turnus.domain.catalog.calendar import add, first_boundary_on_or_after, next_period_start, shift
from turnus.domain.catalog.model import ContractTerms, Interval, IntervalUnit, RenewalMode
from turnus.domain.errors import FieldError, ValidationFailed

MAX_CONSUMER_TERM_MONTHS = 24
MAX_CONSUMER_NOTICE_DAYS = 31  # "at most one month" for notices counted in days or weeks


def _months(interval: Interval) -> int | None:
    if interval.unit is IntervalUnit.MONTH:
        return interval.count
    if interval.unit is IntervalUnit.YEAR:
        return 12 * interval.count
    return None


def _days(interval: Interval) -> int:
    return interval.count * (7 if interval.unit is IntervalUnit.WEEK else 1)


def at_most_one_month(interval: Interval) -> bool:
    months = _months(interval)
    if months is not None:
        return months <= 1
    return _days(interval) <= MAX_CONSUMER_NOTICE_DAYS


def validate_terms(terms: ContractTerms, pointer: str = "") -> None:
    errors: list[FieldError] = []
    if terms.minimum_term is None:
        if terms.renewal is not RenewalMode.CONVERT_INDEFINITE:
            errors.append(
                FieldError(f"{pointer}/renewal", f"'{terms.renewal.value}' needs a minimum term")
            )
        if terms.notice_period_after_conversion is not None:
            errors.append(
                FieldError(
                    f"{pointer}/notice_period_after_conversion", "only applies after a minimum term"
                )
            )
    else:
        term_months = _months(terms.minimum_term)
        billing_months = _months(terms.billing_interval)
        if term_months is not None and billing_months is not None:
            if term_months % billing_months:
                errors.append(
                    FieldError(
                        f"{pointer}/minimum_term",
                        f"must be a whole number of billing periods ({billing_months} month(s))",
                    )
                )
        elif (
            term_months is None
            and billing_months is None
            and (_days(terms.minimum_term) % _days(terms.billing_interval))
        ):
            errors.append(
                FieldError(f"{pointer}/minimum_term", "must be a whole number of billing periods")
            )
        elif term_months is None and billing_months is not None:
            errors.append(
                FieldError(
                    f"{pointer}/minimum_term",
                    "a term in days or weeks needs a day- or week-based billing interval",
                )
            )
        if terms.renewal is RenewalMode.END and terms.notice_period_after_conversion is not None:
            errors.append(
                FieldError(
                    f"{pointer}/notice_period_after_conversion",
                    "a contract that ends with its term is never converted",
                )
            )
        if terms.renewal is RenewalMode.RENEW and terms.notice_period_after_conversion is not None:
            errors.append(
                FieldError(
                    f"{pointer}/notice_period_after_conversion",
                    "a renewing contract is never converted; use notice_period",
                )
            )
    if errors:
        raise ValidationFailed("The contract terms are not valid.", errors)


def consumer_guard(terms: ContractTerms, pointer: str = "") -> list[FieldError]:
    """Violations of §309 Nr. 9 BGB for a consumer contract (empty when compliant)."""
    if not terms.offered_to_consumers:
        return []
    violations: list[FieldError] = []
    if terms.minimum_term is not None:
        months = _months(terms.minimum_term)
        too_long = (
            months > MAX_CONSUMER_TERM_MONTHS
            if months is not None
            else _days(terms.minimum_term) > 731
        )
        if too_long:
            violations.append(
                FieldError(
                    f"{pointer}/minimum_term",
                    "§309 Nr. 9 a BGB: the initial term of a consumer contract may not exceed 24 "
                    "months",
                )
            )
        if terms.renewal is RenewalMode.RENEW:
            violations.append(
                FieldError(
                    f"{pointer}/renewal",
                    "§309 Nr. 9 b BGB: a consumer contract may renew automatically only into an "
                    "indefinite term that can be cancelled at any time with at most one month's "
                    "notice (use convert_indefinite)",
                )
            )
        if terms.notice_period is not None and not at_most_one_month(terms.notice_period):
            violations.append(
                FieldError(
                    f"{pointer}/notice_period",
                    "§309 Nr. 9 c BGB: the notice before the end of the initial term may not "
                    "exceed one month for consumers",
                )
            )
    after = terms.notice_period_after_conversion
    if (
        terms.renewal is RenewalMode.CONVERT_INDEFINITE
        and after is not None
        and not at_most_one_month(after)
    ):
        violations.append(
            FieldError(
                f"{pointer}/notice_period_after_conversion",
                "§309 Nr. 9 b BGB: after the initial term a consumer must be able to cancel at any "
                "time with at most one month's notice",
            )
        )
    return violations


def minimum_term_end(start: date, terms: ContractTerms) -> date | None:
    return None if terms.minimum_term is None else add(start, terms.minimum_term)


def term_ends(start: date, terms: ContractTerms, until: date) -> list[date]:
    """Successive term ends up to and including ``until``: one for ``end`` and
    ``convert_indefinite``, one per term for ``renew``."""
    if terms.minimum_term is None:
        return []
    ends: list[date] = []
    k = 1
    while True:
        end = shift(start, terms.minimum_term, k)
        if end > until and ends:
            return ends
        ends.append(end)
        if terms.renewal is not RenewalMode.RENEW or end > until:
            return ends
        k += 1


def earliest_cancellation_end(
    start: date, terms: ContractTerms, received_on: date, billing_anchor: date | None = None
) -> date:
    """The exclusive end date for a cancellation received on ``received_on`` (rules above)."""
    anchor = billing_anchor or start
    if terms.minimum_term is None:
        if terms.notice_period is None:
            return next_period_start(anchor, terms.billing_interval, received_on)
        earliest = add(received_on, terms.notice_period)
        return first_boundary_on_or_after(anchor, terms.billing_interval, earliest)
    initial_end = add(start, terms.minimum_term)
    if terms.renewal is RenewalMode.END or received_on <= notice_deadline(
        initial_end, terms.notice_period
    ):
        return initial_end
    if terms.renewal is RenewalMode.RENEW:
        k = 2
        while received_on > notice_deadline(
            shift(start, terms.minimum_term, k), terms.notice_period
        ):
            k += 1
        return shift(start, terms.minimum_term, k)
    after = terms.notice_period_after_conversion
    if after is None:
        return max(initial_end, next_period_start(anchor, terms.billing_interval, received_on))
    return max(initial_end, add(received_on, after))


def notice_deadline(term_end: date, notice: Interval | None) -> date:
    """The last day a cancellation may arrive to end the contract at ``term_end``."""
    if notice is None:
        return term_end - timedelta(days=1)
    candidate = shift(term_end, notice, -1)
    # Month-end clamping can make "end - notice + notice" land before the end; step back.
    while add(candidate, notice) > term_end:
        candidate -= timedelta(days=1)
    return candidate
