"""Catalog value types shared by pricing, calendar arithmetic, terms, coupons and versions.

Amounts that are final charges are integer minor units. Unit prices and quantities are exact
``Decimal`` values in *major* units of the currency (0.0125 EUR per API call) and are turned
into minor units, half-up, once per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class IntervalUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Interval:
    """A calendar length: ``count`` days, weeks, months or years (every 3 months = MONTH, 3)."""

    unit: IntervalUnit
    count: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError("an interval counts at least one unit")


class ProductKind(StrEnum):
    SERVICE = "service"
    PHYSICAL = "physical"
    DIGITAL = "digital"


class TaxCategory(StrEnum):
    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"
    EXEMPT = "exempt"


class BillingTiming(StrEnum):
    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"


class RenewalMode(StrEnum):
    """What happens when the minimum term ends without a cancellation."""

    RENEW = "renew"  # another term of the same length
    CONVERT_INDEFINITE = "convert_indefinite"  # runs on, cancellable with the later notice
    END = "end"  # the contract ends with the term


class PricingModel(StrEnum):
    FLAT = "flat"  # a fixed amount, whatever the quantity (0 when the quantity is 0)
    PER_UNIT = "per_unit"  # unit_price x quantity
    GRADUATED = "graduated"  # each unit priced in its own tier
    VOLUME = "volume"  # all units at the tier the total reaches
    PACKAGE = "package"  # price per started block of package_size units
    CAPACITY = "capacity"  # flat fee of the first tier whose limit is not exceeded


class ChargeType(StrEnum):
    RECURRING = "recurring"  # billed every period, in advance (default) or in arrears
    ONE_TIME = "one_time"  # billed once (setup fee, hardware)
    METERED = "metered"  # usage billed in arrears


class Aggregation(StrEnum):
    SUM = "sum"
    MAX = "max"
    COUNT = "count"
    UNIQUE_COUNT = "unique_count"
    LAST = "last"


@dataclass(frozen=True)
class Tier:
    """Units up to and including ``up_to`` (None: unbounded, only for the last tier)."""

    up_to: Decimal | None
    unit_price: Decimal = Decimal(0)
    flat_price: Decimal = Decimal(0)


@dataclass(frozen=True)
class Price:
    """How a quantity is priced in one currency. Money values are major units (Decimal)."""

    currency: str
    model: PricingModel
    amount: Decimal = Decimal(0)  # FLAT: the fee; PER_UNIT: unit price; PACKAGE: block price
    package_size: Decimal | None = None  # PACKAGE only
    tiers: tuple[Tier, ...] = ()  # GRADUATED, VOLUME, CAPACITY


@dataclass(frozen=True)
class PriceVersion:
    """The prices of one priced item (a variant's fee or a component) from a date on.

    ``migrate_existing`` False: contracts signed before ``effective_from`` keep their price
    (grandfathered). True: they move to it at their first period start on or after
    ``effective_from``. ``sequence`` orders versions with the same effective date."""

    id: str
    effective_from: date
    prices: tuple[Price, ...]
    migrate_existing: bool = False
    sequence: int = 0

    def price_in(self, currency: str) -> Price | None:
        return next((p for p in self.prices if p.currency == currency), None)


@dataclass(frozen=True)
class Trial:
    """A trial before the paid phases: free unless ``prices`` are given (per currency, for the
    whole trial). ``bill_components``: whether components are charged during the trial."""

    length: Interval
    prices: tuple[Price, ...] = ()
    bill_components: bool = False


@dataclass(frozen=True)
class Intro:
    """``periods`` billing periods at a reduced price per period (per currency)."""

    periods: int
    prices: tuple[Price, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ContractTerms:
    """The term-dependent conditions of a plan variant."""

    billing_interval: Interval
    minimum_term: Interval | None = None  # None: no commitment, cancel any time
    renewal: RenewalMode = RenewalMode.CONVERT_INDEFINITE
    notice_period: Interval | None = None  # before the end of a (minimum or renewed) term
    notice_period_after_conversion: Interval | None = None  # once running indefinitely
    offered_to_consumers: bool = True
