"""API models shared by the catalog endpoints: intervals, prices, tiers, price versions.

Prices are decimal strings in major units of their currency ("14.90", "0.0125"); send them as
strings to keep them exact. Amounts on invoices, later, are integer minor units."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from turnus.api.schemas import Output, StrictInput
from turnus.domain.catalog.model import Interval, IntervalUnit, Price, PricingModel, Tier

PRICE_EXAMPLES: list[dict[str, Any]] = [
    {"currency": "EUR", "amount": "14.90"},
    {
        "currency": "EUR",
        "model": "graduated",
        "tiers": [
            {"up_to": "5", "unit_price": "8.00"},
            {"up_to": "20", "unit_price": "6.50"},
            {"up_to": None, "unit_price": "5.00"},
        ],
    },
    {"currency": "EUR", "model": "per_unit", "amount": "0.0125"},
]


class IntervalIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"unit": "month", "count": 12}]})

    unit: IntervalUnit
    count: int = Field(1, ge=1, le=1200)

    def domain(self) -> Interval:
        return Interval(self.unit, self.count)


class IntervalOut(BaseModel):
    unit: IntervalUnit
    count: int


class TierIn(StrictInput):
    up_to: Decimal | None = Field(None, description="Last unit of the tier; null = unbounded")
    unit_price: Decimal = Decimal(0)
    flat_price: Decimal = Decimal(0)


class PriceIn(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": list(PRICE_EXAMPLES)})

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217, e.g. EUR")
    model: PricingModel = Field(PricingModel.FLAT, description="Pricing model; default flat")
    amount: Decimal = Field(
        Decimal(0), description="flat: fee; per_unit: unit price; package: price per package"
    )
    package_size: Decimal | None = Field(None, description="package: units per package")
    tiers: list[TierIn] = Field(default_factory=list, description="graduated, volume, capacity")

    def domain(self) -> Price:
        return Price(
            currency=self.currency,
            model=self.model,
            amount=self.amount,
            package_size=self.package_size,
            tiers=tuple(Tier(t.up_to, t.unit_price, t.flat_price) for t in self.tiers),
        )


class TierOut(BaseModel):
    up_to: Decimal | None
    unit_price: Decimal
    flat_price: Decimal


class PriceOut(BaseModel):
    currency: str
    model: PricingModel
    amount: Decimal
    package_size: Decimal | None
    tiers: list[TierOut]


class PriceVersionIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "effective_from": "2027-01-01",
                    "migrate_existing": False,
                    "prices": [{"currency": "EUR", "amount": "15.90"}],
                    "note": "Preisanpassung 2027",
                }
            ]
        }
    )

    prices: list[PriceIn] = Field(min_length=1)
    effective_from: date | None = Field(None, description="Default: today (tenant clock)")
    migrate_existing: bool = Field(
        False,
        description="false: existing contracts keep their price (grandfathered); true: "
        "they move to it at their next period start on/after effective_from",
    )
    note: str | None = Field(None, max_length=200)


class PriceVersionOut(Output):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "prv_01m887c4g5frb9ztekvt48b713",
                    "owner_type": "plan_variant",
                    "owner_id": "var_01m887c4g5frb9ztekvt48b713",
                    "effective_from": "2027-01-01",
                    "sequence": 0,
                    "migrate_existing": False,
                    "note": None,
                    "prices": [
                        {
                            "currency": "EUR",
                            "model": "flat",
                            "amount": "15.90",
                            "package_size": None,
                            "tiers": [],
                        }
                    ],
                    "created_at": "2026-11-25T10:00:00+01:00",
                }
            ]
        }
    )

    id: str
    owner_type: str
    owner_id: str
    effective_from: date
    sequence: int
    migrate_existing: bool
    note: str | None
    prices: list[PriceOut]
    created_at: datetime


def domain_prices(prices: list[PriceIn]) -> list[Price]:
    return [p.domain() for p in prices]
