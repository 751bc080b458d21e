"""Settled periods (``turnus.domain.billing.settlement``): billing only the periods after a
contract's settlement adds exactly what billing its whole history adds, whatever changes reach
the contract, however late or early, with discounts limited to a number of periods, and
whatever draft is deleted."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.billing_fixtures import EUR, Books, component, contract, variant
from tests.test_billing_engine_properties import histories
from turnus.domain.billing.engine import expected_lines, usage_windows
from turnus.domain.billing.model import ContractBilling, ContractDiscount, LineKind, NewItem
from turnus.domain.billing.reconcile import reconcile
from turnus.domain.billing.settlement import Settlement, fingerprint, settle, usable
from turnus.domain.catalog.coupons import Coupon, DiscountDuration, DiscountKind
from turnus.domain.catalog.model import BillingTiming, ChargeType, Price, PricingModel
from turnus.domain.contracts.lifecycle import CancellationKind
from turnus.services.billing import settlements

GRACE = 3
ENGINE = "test"


@dataclass
class SettledBooks:
    """Billing runs as ``turnus bill`` makes them: after the settlement of the last run while
    it holds, reading only what was billed after it."""

    books: Books = field(default_factory=Books)
    settlement: Settlement | None = None
    full_runs: int = 0

    def run(self, c: ContractBilling, day: date) -> list[NewItem]:
        withdrawn = c.lifecycle.cancellation is not None and (
            c.lifecycle.cancellation.kind is CancellationKind.WITHDRAWAL
        )
        current = fingerprint(c, grace_days=GRACE, engine_version=ENGINE)
        settled = usable(self.settlement, day, current)
        since = settled.before if settled is not None else None
        if settled is None:
            self.full_runs += 1
        expected = expected_lines(
            c, day, since=since, counted=settled.counted if settled is not None else None
        )
        billed = [b for b in self.books.billed() if since is None or b.key.period_start >= since]
        new = reconcile(expected.lines, billed, today=day, withdrawn=withdrawn)
        self.books.items.extend((day, item) for item in new)
        found = None if withdrawn else settle(expected, (), previous=settled)
        self.settlement = Settlement(found[0], current, found[1]) if found is not None else None
        return new

    def delete_run(self, day: date) -> None:
        """A deleted draft: the items of the run on ``day`` are gone, the settlement too."""
        self.books.items = [(d, item) for d, item in self.books.items if d != day]
        self.settlement = None


def _coupon(duration: DiscountDuration, periods: int | None) -> Coupon:
    return Coupon(
        id=f"cpn_{duration.value}",
        code="SAVE",
        kind=DiscountKind.PERCENT,
        percent=Decimal(15),
        duration=duration,
        duration_periods=periods if duration is DiscountDuration.REPEATING else None,
    )


@st.composite
def discounted_histories(draw: st.DrawFn) -> tuple[list[tuple[date, ContractBilling]], date]:
    """``histories`` whose contract may have a discount from its start or from a later day,
    for one period, a few or for ever."""
    states, last = draw(histories())
    duration = draw(st.sampled_from([None, *DiscountDuration]))
    if duration is None:
        return states, last
    coupon = _coupon(duration, draw(st.integers(1, 4)))
    starts_on = states[0][0] + timedelta(days=draw(st.sampled_from([0, 0, 20, 45, 100])))
    discount = ContractDiscount("red_1", coupon, starts_on)
    return [(since, replace(c, discounts=(discount,))) for since, c in states], last


def _state_known_on(
    states: list[tuple[date, ContractBilling]], day: date, lag: int
) -> ContractBilling:
    """The contract as a run on ``day`` sees it when changes are entered ``lag`` days after
    they take effect (backdated orders), or before (scheduled ones: ``lag`` < 0)."""
    known = [c for since, c in states if since + timedelta(days=lag) <= day]
    return known[-1] if known else states[0][1]


@settings(max_examples=150, deadline=None)
@given(
    discounted_histories(),
    st.integers(1, 40),
    st.integers(-60, 70),
    st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_settled_runs_add_what_full_runs_add(history, step: int, lag: int, deletions) -> None:  # type: ignore[no-untyped-def]
    states, last = history
    full, settled = Books(), SettledBooks()
    day = states[0][0]
    for delete in [*deletions, *[False] * 1000]:
        if day > last:
            break
        current = _state_known_on(states, day, lag)
        expected = full.run(current, day)
        assert settled.run(current, day) == expected, day
        if delete and expected:
            full.items = [(d, item) for d, item in full.items if d != day]
            settled.delete_run(day)
        day += timedelta(days=step)
    final = states[-1][1]
    assert settled.run(final, last) == full.run(final, last)
    assert settled.run(final, last) == []
    assert sorted(str(i) for _, i in settled.books.items) == sorted(str(i) for _, i in full.items)


def test_an_unchanged_contract_is_computed_only_after_its_settlement() -> None:
    c = contract(date(2027, 1, 1), variant("m", "19.99"))
    settled = SettledBooks()
    for month in range(1, 13):
        settled.run(c, date(2027, month, 1))
    # the first two: a contract billed for one period only settles nothing
    assert settled.full_runs == 2
    assert settled.settlement is not None
    assert settled.settlement.before == date(2028, 1, 1)  # every period billed is settled
    assert len(settled.books.items) == 12
    # the engine computes the periods after the settlement alone
    lines = expected_lines(c, date(2028, 1, 1), since=settled.settlement.before).lines
    assert [line.key.period_start for line in lines] == [date(2028, 1, 1)]


def test_a_change_of_the_inputs_bills_the_whole_history_once() -> None:
    plan = variant("m", "19.99")
    c = contract(date(2027, 1, 1), plan)
    settled = SettledBooks()
    for month in range(1, 5):
        settled.run(c, date(2027, month, 1))
    assert settled.full_runs == 2
    cheaper = replace(c, variants={plan.id: variant("m", "9.99")})
    items = settled.run(cheaper, date(2027, 4, 1))
    assert sorted(i.amount for i in items) == [-1000] * 4
    assert settled.full_runs == 3
    assert settled.run(cheaper, date(2027, 5, 1))[0].amount == 999
    assert settled.full_runs == 3


def test_a_limited_discount_counts_its_settled_periods() -> None:
    """15 % for three periods, with the periods settled after each monthly run: the fourth
    period is billed without it."""
    c = contract(date(2027, 1, 1), variant("m", "50.00"))
    coupon = _coupon(DiscountDuration.REPEATING, 3)
    c = replace(c, discounts=(ContractDiscount("red_1", coupon, date(2027, 1, 1)),))
    settled = SettledBooks()
    amounts = [sorted(i.amount for i in settled.run(c, date(2027, m, 1))) for m in range(1, 6)]
    assert amounts == [[-750, 5000]] * 3 + [[5000]] * 2
    assert settled.full_runs == 2
    assert settled.settlement is not None and dict(settled.settlement.counted) == {"red_1": 5}


def test_settle_leaves_open_what_is_still_to_fall_due_and_usage_in_grace() -> None:
    c = contract(date(2027, 1, 1), variant("m", "19.99"), timing=BillingTiming.IN_ARREARS)
    expected = expected_lines(c, date(2027, 3, 1))  # January and February, in arrears
    assert expected.pending_from == date(2027, 3, 1)
    assert settle(expected, (), previous=None) == (date(2027, 3, 1), {})
    assert settle(expected, [date(2027, 2, 1)], previous=None) == (date(2027, 2, 1), {})
    first = expected_lines(c, date(2027, 2, 1))
    assert settle(first, (), previous=None) is None  # one period billed: nothing settled
    ended = replace(
        c, lifecycle=c.lifecycle.cancelled(CancellationKind.IMMEDIATE, date(2027, 3, 1))
    )
    done = expected_lines(ended, date(2027, 3, 1))
    assert done.pending_from is None and done.next_due is None
    assert settle(done, (), previous=None) == (date(2027, 2, 2), {})


def test_a_settlement_is_not_used_for_an_earlier_day_or_other_inputs() -> None:
    settlement = Settlement(date(2027, 3, 1), "abc")
    assert usable(settlement, date(2027, 3, 1), "abc") is settlement
    assert usable(settlement, date(2027, 2, 28), "abc") is None
    assert usable(settlement, date(2027, 3, 1), "abd") is None
    assert usable(None, date(2027, 3, 1), "abc") is None


def test_the_fingerprint_covers_every_input() -> None:
    c = contract(date(2027, 1, 1), variant("m", "19.99"))
    same = fingerprint(c, grace_days=3, engine_version="1")
    assert (
        fingerprint(
            contract(date(2027, 1, 1), variant("m", "19.99")), grace_days=3, engine_version="1"
        )
        == same
    )
    assert fingerprint(replace(c, locale="en"), grace_days=3, engine_version="1") != same
    assert fingerprint(c, grace_days=4, engine_version="1") != same
    assert fingerprint(c, grace_days=3, engine_version="2") != same
    cheaper = replace(c, variants={"m": variant("m", "9.99")})
    assert fingerprint(cheaper, grace_days=3, engine_version="1") != same
    # the text of shared catalog entries, remembered by object, gives the same fingerprints
    texts: dict[int, str] = {}
    for contract_ in (c, cheaper, c):
        assert fingerprint(
            contract_, grace_days=3, engine_version="1", shared=texts
        ) == fingerprint(contract_, grace_days=3, engine_version="1")
    assert len(texts) >= 2


def test_usage_windows_of_settled_periods_are_left_out() -> None:
    calls = component(
        "calls", Price(EUR, PricingModel.PER_UNIT, Decimal("0.0125")), ChargeType.METERED
    )
    c = contract(date(2027, 1, 1), variant("m", "19.99"), components={calls: "1"})
    starts = [w.period_start for w in usage_windows(c, date(2027, 4, 1))]
    assert starts == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    since = [w.period_start for w in usage_windows(c, date(2027, 4, 1), date(2027, 3, 1))]
    assert since == [date(2027, 3, 1)]
    # the usage line of a settled period is not computed, the later ones are
    usage = {("calls", date(2027, 2, 1)): Decimal(100), ("calls", date(2027, 3, 1)): Decimal(200)}
    lines = expected_lines(c, date(2027, 4, 1), usage, since=date(2027, 3, 1)).lines
    assert [(line.key.kind, line.key.period_start, line.amount) for line in lines] == [
        (LineKind.FEE, date(2027, 3, 1), 1999),
        (LineKind.USAGE, date(2027, 3, 1), 250),
        (LineKind.FEE, date(2027, 4, 1), 1999),
    ]


def test_the_engine_version_is_a_digest_of_the_domain_code() -> None:
    version = settlements.engine_version()
    assert len(version) == 32 and int(version, 16) >= 0
    settlements.engine_version.cache_clear()
    assert settlements.engine_version() == version  # the same code, the same version
