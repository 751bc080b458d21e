"""The billing engine: everything a contract *should* have been billed up to a day.

``expected_lines(contract, until, usage)`` derives, from the contract's dated facts alone, one
line per (kind, item, billing period) that is due on or before ``until``; reconciliation
(:mod:`turnus.domain.billing.reconcile`) subtracts what was billed. Backdated orders, pauses,
cancellations and repeated plan changes therefore need no special cases, and running it twice
changes nothing.

Rules:
- Billing periods come from the contract's billing anchor and the interval of the plan variant
  in force (``calendar.period_containing``); every line is prorated by days over the real length
  of its period (``proration.prorate``), rounded half-up once per line.
- The fee of a variant covers the days of its item segment from the paid start (after the
  trial) to the contract's end, less paused days and skipped periods. A pause with a fee is
  charged that fee, prorated over the paused days of each period. Intro prices replace the
  regular price for periods starting before the intro ends.
- Due: in advance at the first covered day of a period; in arrears (and for usage) when the
  period ends, at the contract's end or at a plan change, whichever comes first.
- Recurring components are prorated by days per quantity segment; a component that does not
  prorate is charged the full period price of the highest quantity held in the period. During
  the trial components are billed only if the trial says so.
- Metered components: the period's aggregated usage less the included quantity, priced with the
  component's price; the included quantity is per period, never prorated.
- Setup fee and trial fee at the contract start; one-time items on their day.
- Coupons and personal discounts apply to fee, component and usage lines of the billing periods
  they cover, counting periods that had a discountable amount (the stacking rule of
  :mod:`turnus.domain.catalog.coupons`).
- A withdrawal (Widerruf) reverses everything; only the compensation for days served before
  it is charged, when the service started early at the customer's request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import (
    ROUND_HALF_UP,
    Decimal,
    localcontext,
)
from functools import lru_cache

from turnus.domain.billing.model import (
    ContractBilling,
    Expected,
    Line,
    LineKey,
    LineKind,
    PriceSchedule,
    Segment,
    Taxable,
    UsageWindow,
    VariantInfo,
)
from turnus.domain.catalog import pricing, versions
from turnus.domain.catalog.calendar import Period, period_containing
from turnus.domain.catalog.coupons import (
    ActiveDiscount,
    Charge,
    ChargeKey,
    DiscountDuration,
    apply_discounts,
    discount_active_for_period,
)
from turnus.domain.catalog.model import BillingTiming, ChargeType, Interval, Price
from turnus.domain.catalog.phases import intro_end
from turnus.domain.catalog.proration import proration_factor
from turnus.domain.contracts.lifecycle import CancellationKind
from turnus.domain.exact import EXACT as _EXACT
from turnus.domain.exact import ROUNDING as _ROUNDING
from turnus.domain.money import round_half_up

_ONE = Decimal(1)
_MISSING = object()
DISCOUNTABLE = frozenset({LineKind.FEE, LineKind.COMPONENT, LineKind.USAGE})

_TEXTS = {
    "de": {
        "setup": "Einrichtungsgebühr",
        "trial": "Testphase",
        "paused": "pausiert",
        "compensation": "Wertersatz bis zum Widerruf",
    },
    "en": {
        "setup": "Setup fee",
        "trial": "Trial",
        "paused": "paused",
        "compensation": "Compensation for the service until the withdrawal",
    },
}


def _text(contract: ContractBilling, key: str) -> str:
    return _TEXTS.get(contract.locale, _TEXTS["de"])[key]


@dataclass(frozen=True)
class _Piece:
    """A stretch of the contract under one plan variant: ``[start, end)``, end None: open."""

    variant: VariantInfo
    start: date
    end: date | None
    signed_on: date  # for grandfathered price versions
    first: bool

    @property
    def interval(self) -> Interval:
        return self.variant.terms.billing_interval


@dataclass
class _Acc:
    """A line being summed over the segments of one period."""

    key: LineKey
    due: date
    exact: Decimal
    quantity: Decimal
    description: str
    service_from: date
    service_until: date | None
    tax: Taxable
    charge_key: ChargeKey
    rounded: int | None = None  # fixed amounts (non-prorating, usage, one-offs)


def _first_day(start: date, since: date | None) -> date:
    """Where a walk over periods from ``start`` begins: periods before ``since`` (settled)
    are skipped."""
    return start if since is None or since <= start else since


@dataclass
class _Builder:
    contract: ContractBilling
    until: date
    since: date | None = None  # periods starting before it are settled: no lines for them
    lines: dict[LineKey, _Acc] = field(default_factory=dict)
    next_due: date | None = None
    pending_from: date | None = None

    def later(self, due: date, period_start: date) -> None:
        """Something of the period starting ``period_start`` falls due on ``due``."""
        if self.next_due is None or due < self.next_due:
            self.next_due = due
        if self.pending_from is None or period_start < self.pending_from:
            self.pending_from = period_start

    def first_day(self, start: date) -> date:
        return _first_day(start, self.since)

    def settled(self, period_start: date) -> bool:
        return self.since is not None and period_start < self.since

    def add(self, acc: _Acc) -> None:
        found = self.lines.get(acc.key)
        if found is None:
            self.lines[acc.key] = acc
            return
        found.exact = _EXACT.add(found.exact, acc.exact)
        found.quantity = max(found.quantity, acc.quantity)
        found.due = min(found.due, acc.due)
        found.service_from = min(found.service_from, acc.service_from)
        if found.service_until is not None and acc.service_until is not None:
            found.service_until = max(found.service_until, acc.service_until)
        if acc.rounded is not None:
            found.rounded = (found.rounded or 0) + acc.rounded


def _price(schedule: PriceSchedule, currency: str, signed_on: date, day: date) -> Price | None:
    """The price of ``schedule`` for a period starting on ``day``; remembered by the (immutable)
    schedule, which the contracts of a billing run share."""
    key = (currency, signed_on, day)
    found = schedule.lookups.get(key, _MISSING)
    if found is _MISSING:
        found = schedule.lookups[key] = _price_uncached(schedule, currency, signed_on, day)
    return found  # type: ignore[return-value]


def _price_uncached(
    schedule: PriceSchedule, currency: str, signed_on: date, day: date
) -> Price | None:
    for personal in schedule.personal:
        if personal.valid_from <= day and (
            personal.valid_until is None or day <= personal.valid_until
        ):
            return next((p for p in personal.prices if p.currency == currency), None)
    if not schedule.versions:
        return None
    return versions.version_for_period(schedule.versions, signed_on, day).price_in(currency)


def _in_currency(prices: tuple[Price, ...], currency: str) -> Price | None:
    return next((p for p in prices if p.currency == currency), None)


def _pieces(contract: ContractBilling, end: date | None) -> list[_Piece]:
    variant_segments = sorted(
        (s for s in contract.segments if s.item_type == "plan_variant"),
        key=lambda s: s.valid_from,
    )
    pieces = []
    for index, segment in enumerate(variant_segments):
        stop = _min_end(segment.valid_until, end)
        if stop is not None and stop <= segment.valid_from:
            continue
        pieces.append(
            _Piece(
                variant=contract.variants[segment.ref_id],
                start=segment.valid_from,
                end=stop,
                signed_on=contract.lifecycle.concluded_on if index == 0 else segment.valid_from,
                first=index == 0,
            )
        )
    return pieces


def _min_end(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


# Pure functions of small, repeating arguments: contracts share anchors, prices and periods.
_period_containing = lru_cache(maxsize=8192)(period_containing)


def _periods(anchor: date, interval: Interval, start: date, end: date | None) -> Iterator[Period]:
    period = _period_containing(anchor, interval, start)
    while end is None or period.start < end:
        yield period
        period = _period_containing(anchor, interval, period.end)


@lru_cache(maxsize=4096)
def _exact_amount_cached(price: Price, quantity: Decimal) -> Decimal:
    return pricing.exact_amount(price, quantity)


@lru_cache(maxsize=4096)
def _amount_for_cached(price: Price, quantity: Decimal) -> int:
    return pricing.amount_for(price, quantity)


def _exact_amount(price: Price, quantity: Decimal) -> Decimal:
    """:func:`pricing.exact_amount`, remembered (equal prices and quantities, equal amounts)."""
    try:
        return _exact_amount_cached(price, quantity)
    except TypeError:  # an unhashable value (a signalling NaN): let the pricing refuse it
        return pricing.exact_amount(price, quantity)


def _amount_for(price: Price, quantity: Decimal) -> int:
    """:func:`pricing.amount_for`, remembered."""
    try:
        return _amount_for_cached(price, quantity)
    except TypeError:
        return pricing.amount_for(price, quantity)


def _round(value: Decimal) -> int:
    """``round_half_up`` in the rounding context, without switching the thread's context."""
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP, context=_ROUNDING))


def _overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> int:
    return max(0, (min(a_end, b_end) - max(a_start, b_start)).days)


def _inactive_days(contract: ContractBilling, period: Period, start: date, end: date) -> int:
    if period.start in contract.lifecycle.skips:
        return (end - start).days
    return sum(_overlap(start, end, p.start, p.end) for p in contract.lifecycle.pauses)


def _due(
    contract: ContractBilling, period: Period, cover_start: date, piece_end: date | None
) -> date:
    if contract.timing is BillingTiming.IN_ADVANCE:
        return cover_start
    return min(period.end, piece_end) if piece_end is not None else period.end


def _fees(builder: _Builder, pieces: list[_Piece], paid_start: date) -> None:
    contract = builder.contract
    intro_stop: date | None = None
    intro_prices = contract.intro.prices if contract.intro is not None else ()
    if contract.intro is not None and contract.intro.periods > 0 and pieces:
        intro_stop = intro_end(
            paid_start, pieces[0].variant.terms, contract.intro, contract.billing_anchor
        )
    end = contract.lifecycle.end  # a property derived at each access: read once
    since = builder.since
    for piece in pieces:
        start = max(piece.start, paid_start)
        if piece.end is not None and start >= piece.end:
            continue
        variant = piece.variant
        charge_key = ChargeKey(variant.plan_id, variant.id, None)
        first = builder.first_day(start)
        for period in _periods(contract.billing_anchor, piece.interval, first, piece.end):
            cover_start = max(period.start, start)
            cover_end = _min_end(period.end, piece.end) or period.end
            due = _due(contract, period, cover_start, piece.end)
            if due > builder.until:
                builder.later(due, period.start)
                break
            if since is not None and period.start < since:  # settled
                if end is not None and cover_end >= end:
                    break
                continue
            price: Price | None = None
            if piece.first and intro_stop is not None and period.start < intro_stop:
                price = _in_currency(intro_prices, contract.currency)
            if price is None:
                price = _price(variant.prices, contract.currency, piece.signed_on, period.start)
            days = (cover_end - cover_start).days
            inactive = _inactive_days(contract, period, cover_start, cover_end)
            key = LineKey(LineKind.FEE, variant.id, period.start)
            full = _exact_amount(price, _ONE) if price is not None else Decimal(0)
            builder.add(
                _Acc(
                    key=key,
                    due=due,
                    exact=_prorated_exact(full, days - inactive, period.days),
                    quantity=_ONE,
                    description=variant.name,
                    service_from=cover_start,
                    service_until=cover_end,
                    tax=variant.tax,
                    charge_key=charge_key,
                )
            )
            _pause_fee(builder, piece, period, cover_start, cover_end, due)
            if end is not None and cover_end >= end:
                break


@lru_cache(maxsize=8192)
def _prorated_exact(full: Decimal, days: int, period_days: int) -> Decimal:
    """The exact share of ``days`` (the proration factor, rounded to 9 places, times the full
    amount), kept un-rounded so the segments of one period round once, together; a single
    segment rounds exactly like ``proration.prorate``."""
    if days <= 0:
        return Decimal(0)
    return _EXACT.multiply(proration_factor(days, period_days), full)


def _pause_fee(
    builder: _Builder,
    piece: _Piece,
    period: Period,
    cover_start: date,
    cover_end: date,
    due: date,
) -> None:
    contract = builder.contract
    if period.start in contract.lifecycle.skips:
        return
    for pause in contract.lifecycle.pauses:
        if pause.fee is None:
            continue
        days = _overlap(cover_start, cover_end, pause.start, pause.end)
        if days == 0:
            continue
        builder.add(
            _Acc(
                key=LineKey(LineKind.PAUSE_FEE, piece.variant.id, period.start),
                due=due,
                exact=_prorated_exact(Decimal(pause.fee), days, period.days),
                quantity=_ONE,
                description=f"{piece.variant.name} ({_text(contract, 'paused')})",
                service_from=max(cover_start, pause.start),
                service_until=min(cover_end, pause.end),
                tax=piece.variant.tax,
                charge_key=ChargeKey(piece.variant.plan_id, piece.variant.id, None),
            )
        )


def _component_pieces(
    segment: Segment, pieces: list[_Piece], floor: date
) -> Iterator[tuple[_Piece, date, date | None]]:
    """The parts of a component segment under each plan variant (for its billing interval)."""
    for piece in pieces:
        start = max(segment.valid_from, piece.start, floor)
        end = _min_end(segment.valid_until, piece.end)
        if end is None or start < end:
            yield piece, start, end


def _components(builder: _Builder, pieces: list[_Piece], paid_start: date) -> None:
    contract = builder.contract
    trial = contract.trial
    floor = contract.lifecycle.start if trial is not None and trial.bill_components else paid_start
    maxima: dict[LineKey, tuple[_Acc, Price | None]] = {}
    for segment in contract.segments:
        if segment.item_type != "component":
            continue
        component = contract.components[segment.ref_id]
        if component.charge_type is not ChargeType.RECURRING or segment.quantity <= 0:
            continue
        for piece, start, end in _component_pieces(segment, pieces, floor):
            first = builder.first_day(start)
            for period in _periods(contract.billing_anchor, piece.interval, first, end):
                cover_start = max(period.start, start)
                cover_end = _min_end(period.end, end) or period.end
                due = _due(contract, period, cover_start, piece.end)
                if due > builder.until:
                    builder.later(due, period.start)
                    break
                if builder.settled(period.start):
                    continue
                price = _price(
                    component.prices,
                    contract.currency,
                    contract.lifecycle.concluded_on,
                    period.start,
                )
                days = (cover_end - cover_start).days
                active = days - _inactive_days(contract, period, cover_start, cover_end)
                key = LineKey(LineKind.COMPONENT, component.id, period.start)
                acc = _Acc(
                    key=key,
                    due=due,
                    exact=Decimal(0),
                    quantity=segment.quantity,
                    description=component.name,
                    service_from=cover_start,
                    service_until=cover_end,
                    tax=component.tax,
                    charge_key=ChargeKey(piece.variant.plan_id, piece.variant.id, component.id),
                )
                if not component.prorate:
                    if active > 0:
                        _keep_maximum(maxima, acc, price)
                    continue
                if price is not None:
                    full = _exact_amount(price, segment.quantity)
                    acc.exact = _prorated_exact(full, active, period.days)
                builder.add(acc)
    for acc, price in maxima.values():
        acc.rounded = _amount_for(price, acc.quantity) if price is not None else 0
        builder.add(acc)


def _keep_maximum(
    maxima: dict[LineKey, tuple[_Acc, Price | None]], acc: _Acc, price: Price | None
) -> None:
    found = maxima.get(acc.key)
    if found is None:
        maxima[acc.key] = (acc, price)
        return
    kept = found[0]
    kept.quantity = max(kept.quantity, acc.quantity)
    kept.due = min(kept.due, acc.due)
    kept.service_from = min(kept.service_from, acc.service_from)
    if kept.service_until is not None and acc.service_until is not None:
        kept.service_until = max(kept.service_until, acc.service_until)


def usage_windows(
    contract: ContractBilling, until: date, since: date | None = None
) -> list[UsageWindow]:
    """The periods of metered components due on or before ``until``, with the days whose
    usage counts (the component's segments within the period, up to the contract's end);
    with ``since``, of the periods starting on or after it."""
    lifecycle = contract.lifecycle
    if lifecycle.cancellation is not None and (
        lifecycle.cancellation.kind is CancellationKind.WITHDRAWAL
    ):
        return []
    pieces = _pieces(contract, lifecycle.end)
    windows: dict[tuple[str, date], UsageWindow] = {}
    for segment in contract.segments:
        if segment.item_type != "component":
            continue
        component = contract.components[segment.ref_id]
        if component.charge_type is not ChargeType.METERED:
            continue
        for piece, start, end in _component_pieces(segment, pieces, lifecycle.start):
            first = _first_day(start, since)
            for period in _periods(contract.billing_anchor, piece.interval, first, end):
                due = min(period.end, piece.end) if piece.end is not None else period.end
                if due > until:
                    break
                if since is not None and period.start < since:
                    continue
                window_start = max(period.start, start)
                window_end = _min_end(period.end, end) or period.end
                found = windows.get((component.id, period.start))
                if found is not None:
                    window_start = min(found.start, window_start)
                    window_end = max(found.end, window_end)
                windows[(component.id, period.start)] = UsageWindow(
                    component.id, period.start, window_start, window_end
                )
    return sorted(windows.values(), key=lambda w: (w.period_start, w.component_id))


def _usage(
    builder: _Builder, pieces: list[_Piece], usage: Mapping[tuple[str, date], Decimal]
) -> None:
    contract = builder.contract
    for segment in contract.segments:
        if segment.item_type != "component":
            continue
        component = contract.components[segment.ref_id]
        if component.charge_type is not ChargeType.METERED:
            continue
        for piece, start, end in _component_pieces(segment, pieces, contract.lifecycle.start):
            first = builder.first_day(start)
            for period in _periods(contract.billing_anchor, piece.interval, first, end):
                due = min(period.end, piece.end) if piece.end is not None else period.end
                if due > builder.until:
                    builder.later(due, period.start)
                    break
                if builder.settled(period.start):
                    continue
                key = LineKey(LineKind.USAGE, component.id, period.start)
                if key in builder.lines or (component.id, period.start) not in usage:
                    continue  # counted once per period; windows not given are settled
                used = usage[(component.id, period.start)]
                billable = max(Decimal(0), used - component.included)
                price = _price(
                    component.prices,
                    contract.currency,
                    contract.lifecycle.concluded_on,
                    period.start,
                )
                builder.add(
                    _Acc(
                        key=key,
                        due=due,
                        exact=Decimal(0),
                        quantity=billable,
                        description=component.name,
                        service_from=max(period.start, start),
                        service_until=_min_end(period.end, end) or period.end,
                        tax=component.tax,
                        charge_key=ChargeKey(piece.variant.plan_id, piece.variant.id, component.id),
                        rounded=_amount_for(price, billable) if price is not None else 0,
                    )
                )


def _one_offs(builder: _Builder, pieces: list[_Piece]) -> None:
    contract = builder.contract
    lifecycle = contract.lifecycle
    start = lifecycle.start
    if start > builder.until:
        builder.later(start, start)
        return
    if pieces and not builder.settled(start):
        plan_id = pieces[0].variant.plan_id
        setup = _in_currency(contract.setup_fee, contract.currency)
        if setup is not None:
            builder.add(
                _one_off(
                    LineKey(LineKind.SETUP_FEE, plan_id, start),
                    _amount_for(setup, _ONE),
                    _ONE,
                    f"{_text(contract, 'setup')} {contract.plan_name}".strip(),
                    start,
                    contract.setup_tax,
                )
            )
        trial = contract.trial
        trial_price = _in_currency(trial.prices, contract.currency) if trial else None
        if lifecycle.trial_end is not None and trial_price is not None:
            builder.add(
                replace(
                    _one_off(
                        LineKey(LineKind.TRIAL_FEE, plan_id, start),
                        _amount_for(trial_price, _ONE),
                        _ONE,
                        f"{_text(contract, 'trial')} {contract.plan_name}".strip(),
                        start,
                        pieces[0].variant.tax,
                    ),
                    service_until=lifecycle.trial_end,
                )
            )
    for segment in contract.segments:
        if segment.item_type != "one_time":
            continue
        day = segment.valid_from
        if lifecycle.end is not None and day >= lifecycle.end:
            continue
        if day > builder.until:
            builder.later(day, day)
            continue
        if builder.settled(day):
            continue
        component = contract.components[segment.ref_id]
        price = _price(component.prices, contract.currency, lifecycle.concluded_on, day)
        builder.add(
            _one_off(
                LineKey(LineKind.ONE_TIME, segment.id, day),
                _amount_for(price, segment.quantity) if price is not None else 0,
                segment.quantity,
                component.name,
                day,
                component.tax,
            )
        )


def _one_off(
    key: LineKey, amount: int, quantity: Decimal, description: str, day: date, tax: Taxable
) -> _Acc:
    return _Acc(
        key=key,
        due=day,
        exact=Decimal(0),
        quantity=quantity,
        description=description,
        service_from=day,
        service_until=None,
        tax=tax,
        charge_key=ChargeKey(),
        rounded=amount,
    )


def _finish(acc: _Acc) -> Line:
    amount = acc.rounded if acc.rounded is not None else _round(acc.exact)
    return Line(
        key=acc.key,
        due=acc.due,
        amount=amount,
        quantity=acc.quantity,
        description=acc.description,
        service_from=acc.service_from,
        service_until=acc.service_until,
        tax=acc.tax,
        charge_key=acc.charge_key,
    )


def _discounts(
    contract: ContractBilling,
    lines: list[Line],
    counted_before: Mapping[str, int],
    counted_periods: dict[str, tuple[date, ...]],
) -> list[Line]:
    """The discount lines of the periods of ``lines``. A discount limited to a number of
    periods counts them from ``counted_before`` (the periods it counted before those of
    ``lines``, when earlier periods are settled) and records the periods it counts now in
    ``counted_periods``."""
    if not contract.discounts:
        return []
    by_period: dict[date, list[Line]] = {}
    for line in lines:
        if line.key.kind in DISCOUNTABLE and line.amount > 0:
            by_period.setdefault(line.key.period_start, []).append(line)
    active: dict[date, list[ActiveDiscount]] = {}
    for discount in contract.discounts:
        counted = counted_before.get(discount.id, 0)
        limited = discount.coupon.duration is not DiscountDuration.FOREVER
        periods: list[date] = []
        for start in sorted(by_period):
            period_end = max(line.service_until or line.service_from for line in by_period[start])
            if period_end <= discount.starts_on:
                continue
            if discount.ends_on is not None and start > discount.ends_on:
                break
            if not any(discount.coupon.targets.matches(x.charge_key) for x in by_period[start]):
                continue
            if discount_active_for_period(discount.coupon, counted):
                active.setdefault(start, []).append(
                    ActiveDiscount(discount.id, discount.coupon, discount.order)
                )
            counted += 1
            if limited:
                periods.append(start)
        if limited:
            counted_periods[discount.id] = tuple(periods)
    labels = {d.id: d.label or d.coupon.code for d in contract.discounts}
    result: list[Line] = []
    for start, discounts in sorted(active.items()):
        period_lines = by_period[start]
        charges = [
            Charge(str(index), line.charge_key, line.amount)
            for index, line in enumerate(period_lines)
        ]
        for taken in apply_discounts(charges, discounts, contract.currency):
            target = period_lines[int(taken.line_id)]
            result.append(
                target._replace(
                    key=LineKey(
                        LineKind.DISCOUNT,
                        f"{taken.discount_id}:{target.key.kind.value}:{target.key.ref_id}",
                        start,
                    ),
                    amount=taken.amount,
                    quantity=_ONE,
                    description=f"{labels[taken.discount_id]}: {target.description}",
                    charge_key=ChargeKey(),
                )
            )
    return result


def _withdrawn(contract: ContractBilling, until: date) -> Expected:
    """After a withdrawal nothing stays billed but the compensation for the days served."""
    cancellation = contract.lifecycle.cancellation
    assert cancellation is not None
    received = cancellation.received_on
    if not contract.compensate_withdrawal:
        return Expected((), None)
    if received > until:
        return Expected((), received)
    paid_start = contract.lifecycle.paid_start
    builder = _Builder(contract, date.max)
    _fees(builder, _pieces(contract, cancellation.end), paid_start)
    with localcontext(_EXACT):
        total = sum((acc.exact for acc in builder.lines.values()), Decimal(0))
    with localcontext(_ROUNDING):
        amount = round_half_up(total)
    if amount == 0:
        return Expected((), None)
    first = min(builder.lines.values(), key=lambda acc: acc.service_from)
    line = Line(
        key=LineKey(LineKind.COMPENSATION, first.key.ref_id, paid_start),
        due=received,
        amount=amount,
        quantity=_ONE,
        description=_text(contract, "compensation"),
        service_from=paid_start,
        service_until=received,
        tax=first.tax,
    )
    return Expected((line,), None)


def expected_lines(
    contract: ContractBilling,
    until: date,
    usage: Mapping[tuple[str, date], Decimal] | None = None,
    *,
    since: date | None = None,
    counted: Mapping[str, int] | None = None,
) -> Expected:
    """Every line due on or before ``until``, and the next day something more falls due.

    ``usage`` holds the aggregated usage per (component id, period start) for the windows of
    :func:`usage_windows` that are still open; periods it leaves out are settled and produce
    no usage line (reconciliation leaves their billed usage alone).

    ``since``: only the lines of periods starting on or after it (the earlier ones are settled,
    see :mod:`turnus.domain.billing.settlement`), with ``counted`` the periods each discount
    limited to a number of periods counted before it. The lines are exactly those of the whole
    history from that day on, as long as no line of an earlier period was still to fall due
    when the settlement was made. A withdrawn contract is always computed whole."""
    lifecycle = contract.lifecycle
    cancellation = lifecycle.cancellation
    if cancellation is not None and cancellation.kind is CancellationKind.WITHDRAWAL:
        return _withdrawn(contract, until)
    builder = _Builder(contract, until, since)
    pieces = _pieces(contract, lifecycle.end)
    _one_offs(builder, pieces)
    if contract.lifecycle.start <= until:
        _fees(builder, pieces, lifecycle.paid_start)
        _components(builder, pieces, lifecycle.paid_start)
        _usage(builder, pieces, usage or {})
    lines = [_finish(acc) for acc in builder.lines.values()]
    counted_periods: dict[str, tuple[date, ...]] = {}
    lines.extend(_discounts(contract, lines, counted or {}, counted_periods))
    lines.sort(key=lambda line: (line.key.period_start, line.key.kind, line.key.ref_id))
    return Expected(tuple(lines), builder.next_due, builder.pending_from, counted_periods)
