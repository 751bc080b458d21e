"""What the billing engine reads (a contract with everything that prices it) and what it
produces (expected lines, and the invoice items that reconcile them with what was billed).

Amounts are int minor units in the tenant's price mode (net, or gross when the catalog's prices
include tax); quantities and prices are exact ``Decimal`` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from turnus.domain.catalog.coupons import ChargeKey, Coupon
from turnus.domain.catalog.model import (
    Aggregation,
    BillingTiming,
    ChargeType,
    ContractTerms,
    Intro,
    Price,
    PriceVersion,
    ProductKind,
    TaxCategory,
    Trial,
)
from turnus.domain.contracts.lifecycle import Lifecycle


class LineKind(StrEnum):
    SETUP_FEE = "setup_fee"
    TRIAL_FEE = "trial_fee"
    FEE = "fee"  # the plan variant's recurring fee
    PAUSE_FEE = "pause_fee"  # a reduced fee for paused days
    COMPONENT = "component"  # a recurring component (quantity based)
    USAGE = "usage"  # a metered component, in arrears
    ONE_TIME = "one_time"
    DISCOUNT = "discount"
    COMPENSATION = "compensation"  # Wertersatz after a withdrawal (§ 357a BGB)


# Lines billed once: never re-priced when the catalog changes later, only added or reversed.
ONE_OFF_KINDS = frozenset({LineKind.SETUP_FEE, LineKind.TRIAL_FEE, LineKind.ONE_TIME})


@dataclass(frozen=True)
class PersonalPrice:
    """A customer-specific price for one priced item, valid on ``[valid_from, valid_until]``
    (inclusive; None: open). It applies to periods that start inside the window."""

    valid_from: date
    valid_until: date | None
    prices: tuple[Price, ...]


@dataclass(frozen=True)
class PriceSchedule:
    versions: tuple[PriceVersion, ...]
    personal: tuple[PersonalPrice, ...] = ()
    # The prices the engine looked up, by (currency, signed on, period start): the schedule
    # never changes, and the contracts of a billing run share it.
    lookups: dict[tuple[str, date, date], Price | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )


@dataclass(frozen=True)
class Taxable:
    tax_category: TaxCategory = TaxCategory.STANDARD
    product_kind: ProductKind = ProductKind.SERVICE


@dataclass(frozen=True)
class VariantInfo:
    id: str
    plan_id: str
    name: str
    terms: ContractTerms
    prices: PriceSchedule
    tax: Taxable = Taxable()


@dataclass(frozen=True)
class ComponentInfo:
    id: str
    name: str
    charge_type: ChargeType
    prices: PriceSchedule
    prorate: bool = True
    aggregation: Aggregation | None = None
    included: Decimal = Decimal(0)
    tax: Taxable = Taxable()


@dataclass(frozen=True)
class Segment:
    """A contract item over ``[valid_from, valid_until)`` (None: open)."""

    id: str
    item_type: str  # plan_variant, component, one_time
    ref_id: str
    quantity: Decimal
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True)
class ContractDiscount:
    """A coupon redeemed on the contract, or a personal discount of the customer. It discounts
    billing periods starting on ``[starts_on, ends_on]`` (inclusive; None: open)."""

    id: str
    coupon: Coupon
    starts_on: date
    ends_on: date | None = None
    order: int = 0
    label: str = ""  # shown on the invoice: the coupon code or the discount's reason


@dataclass(frozen=True)
class ContractBilling:
    """One contract with everything that prices it."""

    contract_id: str
    customer_id: str
    currency: str
    timing: BillingTiming
    lifecycle: Lifecycle
    billing_anchor: date
    segments: tuple[Segment, ...]
    variants: Mapping[str, VariantInfo]
    components: Mapping[str, ComponentInfo]
    trial: Trial | None = None
    intro: Intro | None = None
    plan_name: str = ""
    setup_fee: tuple[Price, ...] = ()
    setup_tax: Taxable = Taxable()
    discounts: tuple[ContractDiscount, ...] = ()
    compensate_withdrawal: bool = False  # the service started early at the customer's request
    locale: str = "de"  # of the customer: the language of generated line texts


class LineKey(NamedTuple):
    """What a line bills: reconciliation matches expected and billed lines by it. A named tuple:
    the engine makes, hashes and compares several per contract and period, and a tuple does
    that in C (measured: half the time of a frozen dataclass to make, a third to look up)."""

    kind: LineKind
    ref_id: str
    period_start: date


_NO_CHARGE_KEY = ChargeKey()


class Line(NamedTuple):
    """An expected line: what should have been billed for ``key`` by now. A named tuple, like
    ``LineKey``: the engine makes one per key and period of every contract, and a tuple is made
    in C (a frozen dataclass sets each field through ``object.__setattr__``)."""

    key: LineKey
    due: date
    amount: int
    quantity: Decimal
    description: str
    service_from: date
    service_until: date | None  # exclusive
    tax: Taxable = Taxable()
    charge_key: ChargeKey = _NO_CHARGE_KEY


@dataclass(frozen=True)
class Billed:
    """What was billed for a key so far (the sum of its items) and its latest item."""

    key: LineKey
    amount: int
    last_seq: int
    description: str
    service_from: date | None
    service_until: date | None
    quantity: Decimal = Decimal(1)
    tax: Taxable = Taxable()


class NewItem(NamedTuple):
    """An invoice item the reconciliation adds: a charge, or a credit (negative). A named
    tuple, as ``Line``."""

    key: LineKey
    seq: int
    amount: int
    quantity: Decimal
    description: str
    service_from: date | None
    service_until: date | None
    tax: Taxable
    due: date
    correction: bool  # adjusts something billed before


@dataclass(frozen=True)
class UsageWindow:
    """The usage of a metered component in one billing period, ``[start, end)`` in days."""

    component_id: str
    period_start: date
    start: date
    end: date


@dataclass(frozen=True)
class Expected:
    lines: tuple[Line, ...]
    next_due: date | None  # the first day something more becomes due; None: nothing more
    # the earliest period a line not yet due belongs to (its lines may still grow); None: none
    pending_from: date | None = None
    # per discount limited to a number of periods: the periods it counted, from the first
    # period computed on
    counted: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
