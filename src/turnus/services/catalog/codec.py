"""Catalog value types <-> the JSON documents stored in the catalog tables and sent over the
API. Decimals travel as strings so nothing is ever a binary float."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from turnus.domain.catalog.model import (
    ContractTerms,
    Interval,
    IntervalUnit,
    Intro,
    Price,
    PriceVersion,
    PricingModel,
    RenewalMode,
    Tier,
    Trial,
)


def dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def interval_doc(interval: Interval | None) -> dict[str, Any] | None:
    return None if interval is None else {"unit": interval.unit.value, "count": interval.count}


def interval_of(doc: Mapping[str, Any] | None) -> Interval | None:
    return None if doc is None else Interval(IntervalUnit(doc["unit"]), int(doc["count"]))


def price_doc(price: Price) -> dict[str, Any]:
    return {
        "currency": price.currency,
        "model": price.model.value,
        "amount": dec(price.amount),
        "package_size": dec(price.package_size),
        "tiers": [
            {
                "up_to": dec(t.up_to),
                "unit_price": dec(t.unit_price),
                "flat_price": dec(t.flat_price),
            }
            for t in price.tiers
        ],
    }


def price_of(doc: Mapping[str, Any]) -> Price:
    return Price(
        currency=doc["currency"],
        model=PricingModel(doc["model"]),
        amount=Decimal(doc.get("amount") or 0),
        package_size=Decimal(doc["package_size"]) if doc.get("package_size") is not None else None,
        tiers=tuple(
            Tier(
                up_to=Decimal(t["up_to"]) if t.get("up_to") is not None else None,
                unit_price=Decimal(t.get("unit_price") or 0),
                flat_price=Decimal(t.get("flat_price") or 0),
            )
            for t in doc.get("tiers") or ()
        ),
    )


def prices_doc(prices: Sequence[Price]) -> list[dict[str, Any]]:
    return [price_doc(p) for p in prices]


def prices_of(docs: Sequence[Mapping[str, Any]] | None) -> tuple[Price, ...]:
    return tuple(price_of(d) for d in docs or ())


def trial_doc(trial: Trial | None) -> dict[str, Any] | None:
    if trial is None:
        return None
    return {
        "length": interval_doc(trial.length),
        "prices": prices_doc(trial.prices),
        "bill_components": trial.bill_components,
    }


def trial_of(doc: Mapping[str, Any] | None) -> Trial | None:
    if doc is None:
        return None
    length = interval_of(doc["length"])
    assert length is not None
    return Trial(
        length=length,
        prices=prices_of(doc.get("prices")),
        bill_components=bool(doc.get("bill_components")),
    )


def intro_doc(intro: Intro | None) -> dict[str, Any] | None:
    return None if intro is None else {"periods": intro.periods, "prices": prices_doc(intro.prices)}


def intro_of(doc: Mapping[str, Any] | None) -> Intro | None:
    return None if doc is None else Intro(int(doc["periods"]), prices_of(doc.get("prices")))


def terms_of(variant: Mapping[str, Any]) -> ContractTerms:
    billing = interval_of(variant["billing_interval"])
    assert billing is not None
    return ContractTerms(
        billing_interval=billing,
        minimum_term=interval_of(variant["minimum_term"]),
        renewal=RenewalMode(variant["renewal"]),
        notice_period=interval_of(variant["notice_period"]),
        notice_period_after_conversion=interval_of(variant["notice_period_after_conversion"]),
        offered_to_consumers=bool(variant["offered_to_consumers"]),
    )


def terms_doc(terms: ContractTerms) -> dict[str, Any]:
    return {
        "billing_interval": interval_doc(terms.billing_interval),
        "minimum_term": interval_doc(terms.minimum_term),
        "renewal": terms.renewal.value,
        "notice_period": interval_doc(terms.notice_period),
        "notice_period_after_conversion": interval_doc(terms.notice_period_after_conversion),
        "offered_to_consumers": terms.offered_to_consumers,
    }


def version_of(row: Mapping[str, Any]) -> PriceVersion:
    return PriceVersion(
        id=row["id"],
        effective_from=row["effective_from"],
        prices=prices_of(row["prices"]),
        migrate_existing=bool(row["migrate_existing"]),
        sequence=int(row["sequence"]),
    )
