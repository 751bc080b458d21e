"""Contract terms: validation, term ends, cancellation dates, and the consumer guard of
§309 Nr. 9 BGB.

Dates are calendar dates; an *end* is exclusive (the first day no longer served), so a
12-month contract starting 2026-01-01 ends 2027-01-01 and is served through 2026-12-31. All
arithmetic clamps month ends (``turnus.domain.catalog.calendar``); term ends are computed from
the start (never step by step), so they do not drift.

Validation (``validate_terms``):
- ``renew`` and ``end`` need a minimum term (pointer ``/renewal``).
- ``notice_period_after_conversion`` only applies to ``convert_indefinite`` with a minimum term.
- ``end`` takes no ``notice_period`` (the contract ends with its term anyway).
- A minimum term is a whole number of billing periods when both are counted in months/years
  (12 months with monthly, quarterly or yearly billing; not with 5-monthly billing) or both in
  days/weeks; a day/week term needs day/week billing; a month/year term may be billed weekly or
  daily (the last period then straddles the term end).
- A notice period is shorter than the minimum term (checked where both use the same kind of
  unit: months/years or days/weeks).
- Without a minimum term, a ``notice_period`` is allowed: notice before a billing period end.

Notice deadlines: a cancellation meets the notice for an end ``E`` when
``received_on + notice <= E`` (month ends clamped); received exactly on the deadline is in
time, a day later is not. Without a notice, anything received before ``E`` is in time. (This is
a day more lenient than the backward reckoning of §§187, 188 BGB, in the customer's favour.)

Cancellation rules (``earliest_cancellation_end``; ``received_on`` on or after ``start``):
- Within a term (the minimum term, or a renewed term under ``renew``) the contract ends at the
  first term end whose notice deadline the cancellation meets.
- ``end``: the contract ends with the minimum term anyway; a cancellation does not change that
  (also when received later: the result is then the past term end).
- ``convert_indefinite``: a cancellation that misses the initial deadline ends the contract
  exactly ``notice_period_after_conversion`` after receipt (never before the initial term end),
  not at a billing period end - §309 Nr. 9 b BGB allows consumers at most one month's notice
  once the contract runs on. Without a later notice it ends at the end of the billing period
  running on the day of receipt (never before the initial term end); for consumers never
  later than one month after receipt, so a billing period longer than that is cut short.
- Without a minimum term: at the first billing period boundary on or after
  ``received_on + notice``; without a notice, at the end of the billing period running on the
  day of receipt. Billing periods follow the schedule anchored at ``billing_anchor`` (default:
  ``start``).

Consumer guard (``consumer_guard``, only for ``offered_to_consumers``): §309 Nr. 9 a (initial
term at most 24 months), b (automatic renewal only into an indefinite term cancellable with at
most one month's notice: ``renew`` is refused, ``convert_indefinite`` needs a later notice of at
most one month or none), c (notice before the end of the initial term at most one month).
"At most N months" counts months exactly for month/year intervals and by the longest possible
calendar length for day/week intervals: one month = 31 days (4 weeks and 31 days pass, 5 weeks
and 32 days do not), 24 months = 731 days.
"""

from __future__ import annotations

from datetime import date, timedelta

from turnus.domain.catalog.calendar import add, first_boundary_on_or_after, next_period_start, shift
from turnus.domain.catalog.model import ContractTerms, Interval, IntervalUnit, RenewalMode
from turnus.domain.errors import FieldError, ValidationFailed

_ONE_MONTH = Interval(IntervalUnit.MONTH)
MAX_CONSUMER_TERM_MONTHS = 24
MAX_CONSUMER_TERM_DAYS = 731  # "at most 24 months" for terms counted in days or weeks
MAX_CONSUMER_NOTICE_DAYS = 31  # "at most one month" for notices counted in days or weeks


def _months(interval: Interval) -> int | None:
    if interval.unit is IntervalUnit.MONTH:
        return interval.count
    if interval.unit is IntervalUnit.YEAR:
        return 12 * interval.count
    return None


def _days(interval: Interval) -> int:
    """The length of a day- or week-based interval in days."""
    return interval.count * (7 if interval.unit is IntervalUnit.WEEK else 1)


def at_most_one_month(interval: Interval) -> bool:
    """At most one calendar month: 1 month exactly, or at most 31 days (weeks count 7 days)."""
    months = _months(interval)
    if months is not None:
        return months <= 1
    return _days(interval) <= MAX_CONSUMER_NOTICE_DAYS


def _at_most_24_months(interval: Interval) -> bool:
    months = _months(interval)
    if months is not None:
        return months <= MAX_CONSUMER_TERM_MONTHS
    return _days(interval) <= MAX_CONSUMER_TERM_DAYS


def _not_shorter(notice: Interval, term: Interval) -> bool:
    """Whether ``notice`` is at least as long as ``term`` (only decided for comparable units)."""
    notice_months, term_months = _months(notice), _months(term)
    if notice_months is not None and term_months is not None:
        return notice_months >= term_months
    if notice_months is None and term_months is None:
        return _days(notice) >= _days(term)
    return False


def _term_errors(terms: ContractTerms, term: Interval, pointer: str) -> list[FieldError]:
    errors: list[FieldError] = []
    term_months = _months(term)
    billing_months = _months(terms.billing_interval)
    if term_months is not None and billing_months is not None:
        if term_months % billing_months:
            errors.append(
                FieldError(
                    f"{pointer}/minimum_term",
                    f"must be a whole number of billing periods ({billing_months} month(s))",
                )
            )
    elif term_months is None and billing_months is None:
        if _days(term) % _days(terms.billing_interval):
            errors.append(
                FieldError(
                    f"{pointer}/minimum_term",
                    "must be a whole number of billing periods "
                    f"({_days(terms.billing_interval)} day(s))",
                )
            )
    elif term_months is None:
        errors.append(
            FieldError(
                f"{pointer}/minimum_term",
                "a term in days or weeks needs a day- or week-based billing interval",
            )
        )
    if terms.notice_period is not None:
        if terms.renewal is RenewalMode.END:
            errors.append(
                FieldError(
                    f"{pointer}/notice_period",
                    "a contract that ends with its term needs no notice",
                )
            )
        elif _not_shorter(terms.notice_period, term):
            errors.append(
                FieldError(f"{pointer}/notice_period", "must be shorter than the minimum term")
            )
    if terms.notice_period_after_conversion is not None:
        if terms.renewal is RenewalMode.END:
            errors.append(
                FieldError(
                    f"{pointer}/notice_period_after_conversion",
                    "a contract that ends with its term is never converted",
                )
            )
        elif terms.renewal is RenewalMode.RENEW:
            errors.append(
                FieldError(
                    f"{pointer}/notice_period_after_conversion",
                    "a renewing contract is never converted; use notice_period",
                )
            )
    return errors


def validate_terms(terms: ContractTerms, pointer: str = "") -> None:
    """Raise ``ValidationFailed`` naming every offending field (rules in the module docstring)."""
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
        errors.extend(_term_errors(terms, terms.minimum_term, pointer))
    if errors:
        raise ValidationFailed("The contract terms are not valid.", errors)


def consumer_guard(terms: ContractTerms, pointer: str = "") -> list[FieldError]:
    """Violations of §309 Nr. 9 BGB for a consumer contract (empty when compliant, and always
    empty when the terms are not ``offered_to_consumers``). Each reason names its rule."""
    if not terms.offered_to_consumers:
        return []
    violations: list[FieldError] = []
    if terms.minimum_term is not None:
        if not _at_most_24_months(terms.minimum_term):
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
    """The exclusive end of the initial term (``start + minimum_term``); None without one."""
    return None if terms.minimum_term is None else add(start, terms.minimum_term)


def term_ends(start: date, terms: ContractTerms, until: date) -> list[date]:
    """The term ends on or before ``until``, in order: the initial term end only for ``end`` and
    ``convert_indefinite``; one per term (``start + k x minimum_term``) for ``renew``. Empty
    without a minimum term."""
    term = terms.minimum_term
    if term is None:
        return []
    ends: list[date] = []
    k = 1
    while (end := shift(start, term, k)) <= until:
        ends.append(end)
        if terms.renewal is not RenewalMode.RENEW:
            break
        k += 1
    return ends


def notice_deadline(term_end: date, notice: Interval | None) -> date:
    """The last day a cancellation may arrive to end the contract at ``term_end``: the last day
    ``d`` with ``d + notice <= term_end`` (month ends clamped: for an end of Feb 28 and one
    month's notice that is Jan 31); without a notice, the day before ``term_end``."""
    if notice is None:
        return term_end - timedelta(days=1)
    candidate = shift(term_end, notice, -1)
    # Clamping makes "d + notice" equal for several days at month ends (Jan 28-31 + 1 month
    # = Feb 28): step forward to the last of them, and back should it ever overshoot.
    while add(candidate, notice) > term_end:
        candidate -= timedelta(days=1)
    while add(candidate + timedelta(days=1), notice) <= term_end:
        candidate += timedelta(days=1)
    return candidate


def _in_time(received_on: date, term_end: date, notice: Interval | None) -> bool:
    return received_on <= notice_deadline(term_end, notice)


def earliest_cancellation_end(
    start: date, terms: ContractTerms, received_on: date, billing_anchor: date | None = None
) -> date:
    """The earliest exclusive end date (first day no longer served) for an ordinary
    cancellation received on ``received_on`` (rules in the module docstring). ``start`` is the
    paid start from which the minimum term counts; ``billing_anchor`` (default ``start``)
    anchors the billing periods used without a minimum term and after conversion."""
    anchor = start if billing_anchor is None else billing_anchor
    interval = terms.billing_interval
    term = terms.minimum_term
    if term is None:
        if terms.notice_period is None:
            return next_period_start(anchor, interval, received_on)
        earliest = add(received_on, terms.notice_period)
        return first_boundary_on_or_after(anchor, interval, earliest)
    initial_end = add(start, term)
    if terms.renewal is RenewalMode.END or _in_time(received_on, initial_end, terms.notice_period):
        return initial_end
    if terms.renewal is RenewalMode.RENEW:
        k = 2
        while not _in_time(received_on, shift(start, term, k), terms.notice_period):
            k += 1
        return shift(start, term, k)
    after = terms.notice_period_after_conversion
    if after is None:
        end = next_period_start(anchor, interval, received_on)
        if terms.offered_to_consumers:
            # a period that starts on a clamped month end (Feb 28 of a schedule on the 29th)
            # runs a day longer than a month from its first day
            end = min(end, add(received_on, _ONE_MONTH))
        return max(initial_end, end)
    return max(initial_end, add(received_on, after))
