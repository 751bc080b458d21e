"""Builders for pure billing-engine tests: a contract, prices, and a simulated series of daily
billing runs that keeps what was billed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from turnus.domain.billing.engine import expected_lines
from turnus.domain.billing.model import (
    Billed,
    ComponentInfo,
    ContractBilling,
    LineKey,
    NewItem,
    PriceSchedule,
    Segment,
    VariantInfo,
)
from turnus.domain.billing.reconcile import reconcile
from turnus.domain.catalog.model import (
    BillingTiming,
    ChargeType,
    ContractTerms,
    Interval,
    IntervalUnit,
    Price,
    PriceVersion,
    PricingModel,
    Tier,
)
from turnus.domain.contracts.lifecycle import Lifecycle

EUR = "EUR"
MONTH = Interval(IntervalUnit.MONTH)
YEAR = Interval(IntervalUnit.YEAR)


def flat(amount: str) -> PriceSchedule:
    price = Price(EUR, PricingModel.FLAT, Decimal(amount))
    return PriceSchedule((PriceVersion("pv_" + amount, date(2020, 1, 1), (price,)),))


def priced(price: Price) -> PriceSchedule:
    return PriceSchedule((PriceVersion("pv", date(2020, 1, 1), (price,)),))


def tiers(model: PricingModel, *spec: tuple[str | None, str]) -> Price:
    return Price(
        EUR,
        model,
        tiers=tuple(Tier(None if up is None else Decimal(up), Decimal(unit)) for up, unit in spec),
    )


def variant(
    vid: str, amount: str, interval: Interval = MONTH, minimum: Interval | None = None
) -> VariantInfo:
    return VariantInfo(
        id=vid,
        plan_id="plan_" + vid,
        name=f"Tarif {vid}",
        terms=ContractTerms(billing_interval=interval, minimum_term=minimum),
        prices=flat(amount),
    )


def component(
    cid: str,
    price: Price,
    charge_type: ChargeType = ChargeType.RECURRING,
    *,
    prorate: bool = True,
    included: str = "0",
) -> ComponentInfo:
    return ComponentInfo(
        id=cid,
        name=f"Komponente {cid}",
        charge_type=charge_type,
        prices=priced(price),
        prorate=prorate,
        included=Decimal(included),
    )


def contract(
    start: date,
    plan: VariantInfo,
    *,
    anchor: date | None = None,
    trial_end: date | None = None,
    timing: BillingTiming = BillingTiming.IN_ADVANCE,
    components: dict[ComponentInfo, str] | None = None,
) -> ContractBilling:
    segments = [Segment("itm_fee", "plan_variant", plan.id, Decimal(1), start, None)]
    for info, quantity in (components or {}).items():
        segments.append(
            Segment(f"itm_{info.id}", "component", info.id, Decimal(quantity), start, None)
        )
    return ContractBilling(
        contract_id="con_1",
        customer_id="cus_1",
        currency=EUR,
        timing=timing,
        lifecycle=Lifecycle(
            concluded_on=start,
            start=start,
            terms=plan.terms,
            trial_end=trial_end,
            billing_anchor=anchor or trial_end or start,
        ),
        billing_anchor=anchor or trial_end or start,
        segments=tuple(segments),
        variants={plan.id: plan},
        components={info.id: info for info in components or {}},
    )


def change_plan(c: ContractBilling, new: VariantInfo, on: date) -> ContractBilling:
    segments = []
    for s in c.segments:
        if s.item_type == "plan_variant" and s.valid_until is None:
            segments.append(replace(s, valid_until=on))
        else:
            segments.append(s)
    segments.append(Segment(f"itm_{new.id}", "plan_variant", new.id, Decimal(1), on, None))
    return replace(
        c,
        segments=tuple(segments),
        variants={**c.variants, new.id: new},
        lifecycle=c.lifecycle.with_terms(new.terms, on),
    )


def change_quantity(c: ContractBilling, cid: str, quantity: str, on: date) -> ContractBilling:
    segments = []
    for s in c.segments:
        if s.ref_id == cid and s.valid_until is None:
            segments.append(replace(s, valid_until=on))
        else:
            segments.append(s)
    segments.append(Segment(f"itm_{cid}_{on}", "component", cid, Decimal(quantity), on, None))
    return replace(c, segments=tuple(segments))


@dataclass
class Books:
    """What was billed, per key, as daily billing runs would record it."""

    items: list[tuple[date, NewItem]] = field(default_factory=list)

    def billed(self) -> list[Billed]:
        by_key: dict[LineKey, Billed] = {}
        for _, item in self.items:
            before = by_key.get(item.key)
            by_key[item.key] = Billed(
                key=item.key,
                amount=item.amount + (before.amount if before else 0),
                last_seq=item.seq,
                description=item.description,
                service_from=item.service_from,
                service_until=item.service_until,
                quantity=item.quantity,
                tax=item.tax,
            )
        return list(by_key.values())

    def run(
        self,
        c: ContractBilling,
        day: date,
        usage: dict[tuple[str, date], Decimal] | None = None,
    ) -> list[NewItem]:
        expected = expected_lines(c, day, usage)
        withdrawn = c.lifecycle.cancellation is not None and (
            c.lifecycle.cancellation.kind.value == "withdrawal"
        )
        new = reconcile(expected.lines, self.billed(), today=day, withdrawn=withdrawn)
        self.items.extend((day, item) for item in new)
        return new

    def run_daily(self, c: ContractBilling, first: date, last: date) -> list[NewItem]:
        new: list[NewItem] = []
        day = first
        while day <= last:
            new.extend(self.run(c, day))
            day += timedelta(days=1)
        return new

    def on(self, day: date) -> list[NewItem]:
        return [item for billed_on, item in self.items if billed_on == day]

    def total(self) -> int:
        return sum(item.amount for _, item in self.items)
