"""The demo merchant's catalog: the three shapes of subscription commerce Turnus is built for.

- Coffee soft subscription: monthly without commitment 14.90 EUR, 12 months 11.90 EUR/month,
  24 months 9.90 EUR/month; a surprise box add-on.
- Magazine: 12-month term billed yearly, auto-renewal into an indefinite term for consumers
  (§309 Nr. 9 BGB), renewal by another 12 months for businesses.
- SaaS: per-seat graduated tiers and metered API calls with a free quota, 30-day trial.
"""

from __future__ import annotations

from decimal import Decimal

from turnus.domain.catalog.model import (
    ContractTerms,
    Interval,
    IntervalUnit,
    Price,
    PricingModel,
    RenewalMode,
    Tier,
    Trial,
)
from turnus.services.catalog import components, plans, products, variants
from turnus.services.context import TenantContext

MONTH = Interval(IntervalUnit.MONTH)
YEAR = Interval(IntervalUnit.YEAR)


def _eur(amount: str, model: PricingModel = PricingModel.FLAT) -> Price:
    return Price("EUR", model, Decimal(amount))


def seed_catalog(ctx: TenantContext) -> dict[str, str]:
    """Create the demo catalog; returns the ids of the main objects by name."""
    ids: dict[str, str] = {}

    coffee = products.create_product(
        ctx,
        {
            "name_de": "Kaffee Hausmischung",
            "name_en": "House blend coffee",
            "description_de": "Jeden Monat frisch geröstet, 500 g",
            "description_en": "Freshly roasted every month, 500 g",
            "kind": "physical",
            "tax_category": "reduced",
            "sku": "KAFFEE-HM-500",
            "external_id": None,
        },
    )
    box_product = products.create_product(
        ctx,
        {
            "name_de": "Überraschungsbox",
            "name_en": "Surprise box",
            "description_de": None,
            "description_en": None,
            "kind": "physical",
            "tax_category": "reduced",
            "sku": "BOX-SURPRISE",
            "external_id": None,
        },
    )
    box = components.create_component(
        ctx,
        {
            "product_id": box_product["id"],
            "name_de": "Überraschungsbox",
            "name_en": "Surprise box",
            "charge_type": "recurring",
            "unit_name": "Box",
            "aggregation": None,
            "included_quantity": Decimal(0),
            "prorate": True,
            "self_service": True,
            "external_id": None,
        },
        [_eur("6.90", PricingModel.PER_UNIT)],
    )
    coffee_plan = plans.create_plan(
        ctx,
        {
            "product_id": coffee["id"],
            "name_de": "Kaffee-Abo Classic",
            "name_en": "Coffee subscription Classic",
            "description_de": None,
            "description_en": None,
            "billing_timing": "in_advance",
            "self_service": True,
            "change_timing": "immediate",
            "external_id": None,
        },
        addons=[box["id"]],
    )
    ids.update(coffee_product=coffee["id"], coffee_plan=coffee_plan["id"], surprise_box=box["id"])
    for key, name_de, name_en, months, fee in (
        ("coffee_flex", "Monatlich kündbar", "Cancel monthly", None, "14.90"),
        ("coffee_12m", "12 Monate Laufzeit", "12-month term", 12, "11.90"),
        ("coffee_24m", "24 Monate Laufzeit", "24-month term", 24, "9.90"),
    ):
        terms = ContractTerms(
            billing_interval=MONTH,
            minimum_term=Interval(IntervalUnit.MONTH, months) if months else None,
            renewal=RenewalMode.CONVERT_INDEFINITE,
            notice_period=MONTH if months else None,
            notice_period_after_conversion=MONTH if months else None,
        )
        ids[key] = variants.create_variant(
            ctx,
            {
                "plan_id": coffee_plan["id"],
                "name_de": name_de,
                "name_en": name_en,
                "self_service": True,
                "external_id": None,
            },
            terms,
            [_eur(fee)],
        )["id"]

    magazine = products.create_product(
        ctx,
        {
            "name_de": "Magazin Print",
            "name_en": "Print magazine",
            "description_de": None,
            "description_en": None,
            "kind": "physical",
            "tax_category": "reduced",
            "sku": "MAG-PRINT",
            "external_id": None,
        },
    )
    magazine_plan = plans.create_plan(
        ctx,
        {
            "product_id": magazine["id"],
            "name_de": "Magazin Jahresabo",
            "name_en": "Magazine annual subscription",
            "description_de": None,
            "description_en": None,
            "billing_timing": "in_advance",
            "self_service": True,
            "change_timing": "end_of_period",
            "external_id": None,
        },
    )
    ids["magazine_plan"] = magazine_plan["id"]
    ids["magazine_consumer"] = variants.create_variant(
        ctx,
        {
            "plan_id": magazine_plan["id"],
            "name_de": "12 Monate",
            "name_en": "12 months",
            "self_service": True,
            "external_id": None,
        },
        ContractTerms(
            billing_interval=YEAR,
            minimum_term=Interval(IntervalUnit.MONTH, 12),
            renewal=RenewalMode.CONVERT_INDEFINITE,
            notice_period=MONTH,
            notice_period_after_conversion=MONTH,
        ),
        [_eur("89.00")],
    )["id"]
    ids["magazine_business"] = variants.create_variant(
        ctx,
        {
            "plan_id": magazine_plan["id"],
            "name_de": "12 Monate (Firmen)",
            "name_en": "12 months (business)",
            "self_service": False,
            "external_id": None,
        },
        ContractTerms(
            billing_interval=YEAR,
            minimum_term=Interval(IntervalUnit.MONTH, 12),
            renewal=RenewalMode.RENEW,
            notice_period=Interval(IntervalUnit.MONTH, 3),
            offered_to_consumers=False,
        ),
        [_eur("89.00")],
    )["id"]

    saas = products.create_product(
        ctx,
        {
            "name_de": "Team-Software",
            "name_en": "Team software",
            "description_de": None,
            "description_en": None,
            "kind": "digital",
            "tax_category": "standard",
            "sku": "SAAS-TEAM",
            "external_id": None,
        },
    )
    seats = components.create_component(
        ctx,
        {
            "product_id": saas["id"],
            "name_de": "Nutzer",
            "name_en": "Seats",
            "charge_type": "recurring",
            "unit_name": "seat",
            "aggregation": None,
            "included_quantity": Decimal(0),
            "prorate": True,
            "self_service": True,
            "external_id": None,
        },
        [
            Price(
                "EUR",
                PricingModel.GRADUATED,
                tiers=(
                    Tier(Decimal(5), Decimal("10.00")),
                    Tier(Decimal(20), Decimal("8.00")),
                    Tier(None, Decimal("6.00")),
                ),
            )
        ],
    )
    calls = components.create_component(
        ctx,
        {
            "product_id": saas["id"],
            "name_de": "API-Aufrufe",
            "name_en": "API calls",
            "charge_type": "metered",
            "unit_name": "call",
            "aggregation": "sum",
            "included_quantity": Decimal(10_000),
            "prorate": False,
            "self_service": False,
            "external_id": None,
        },
        [_eur("0.0125", PricingModel.PER_UNIT)],
    )
    saas_plan = plans.create_plan(
        ctx,
        {
            "product_id": saas["id"],
            "name_de": "Team",
            "name_en": "Team",
            "description_de": None,
            "description_en": None,
            "billing_timing": "in_advance",
            "self_service": True,
            "change_timing": "immediate",
            "external_id": None,
        },
        trial=Trial(Interval(IntervalUnit.DAY, 30)),
        included=[
            {"component_id": seats["id"], "quantity": Decimal(3)},
            {"component_id": calls["id"], "quantity": Decimal(0)},
        ],
    )
    ids.update(saas_plan=saas_plan["id"], seats=seats["id"], api_calls=calls["id"])
    for key, interval, fee in (("saas_monthly", MONTH, "49.00"), ("saas_yearly", YEAR, "490.00")):
        ids[key] = variants.create_variant(
            ctx,
            {
                "plan_id": saas_plan["id"],
                "name_de": "monatlich" if interval is MONTH else "jährlich",
                "name_en": "monthly" if interval is MONTH else "yearly",
                "self_service": True,
                "external_id": None,
            },
            ContractTerms(billing_interval=interval, offered_to_consumers=False),
            [_eur(fee)],
        )["id"]
    return ids
