"""Turns stored contracts into the billing engine's input, for many contracts at once.

The catalog (plans, variants, components, products, price versions) is read once per run;
everything per contract (items, coupons, personal prices and discounts, customers) once per
batch with ``IN`` queries, so the number of queries does not grow with the batch size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from turnus.domain.billing.model import (
    ComponentInfo,
    ContractBilling,
    ContractDiscount,
    PersonalPrice,
    PriceSchedule,
    Segment,
    Taxable,
    VariantInfo,
)
from turnus.domain.catalog.coupons import Coupon
from turnus.domain.catalog.model import (
    Aggregation,
    BillingTiming,
    ChargeType,
    Price,
    PriceVersion,
    ProductKind,
    TaxCategory,
)
from turnus.services.catalog.codec import intro_of, prices_of, terms_of, trial_of, version_of
from turnus.services.catalog.coupons import coupon_of
from turnus.services.context import TenantContext
from turnus.services.contracts.storage import lifecycle_of
from turnus.services.customer_discounts import discount_of
from turnus.services.json_columns import PLAIN, Decoder
from turnus.store.catalog_tables import (
    components,
    coupons,
    plan_variants,
    plans,
    price_versions,
    products,
)
from turnus.store.contract_tables import contract_items, coupon_redemptions
from turnus.store.customer_tables import customer_discounts, customer_prices, customers
from turnus.store.scope import one_of


def _name(row: dict[str, Any], locale: str) -> str:
    return str((row.get("name_en") if locale == "en" else None) or row["name_de"])


@dataclass
class Catalog:
    """The tenant's catalog, read once per billing run."""

    plans: dict[str, dict[str, Any]]
    variants: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]
    products: dict[str, dict[str, Any]]
    versions: dict[str, tuple[PriceVersion, ...]]
    _variant_infos: dict[tuple[str, str], VariantInfo] = field(default_factory=dict)
    _component_infos: dict[tuple[str, str], ComponentInfo] = field(default_factory=dict)
    _taxables: dict[str, Taxable] = field(default_factory=dict)
    _setup_fees: dict[str, tuple[Price, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, ctx: TenantContext) -> Catalog:
        scope = ctx.scope

        def by_id(table: Any) -> dict[str, dict[str, Any]]:
            return {row["id"]: row for row in scope.rows(scope.select(table))}

        versions: dict[str, list[PriceVersion]] = defaultdict(list)
        for row in scope.rows(scope.select(price_versions)):
            versions[row["owner_id"]].append(version_of(row))
        return cls(
            plans=by_id(plans),
            variants=by_id(plan_variants),
            components=by_id(components),
            products=by_id(products),
            versions={owner: tuple(found) for owner, found in versions.items()},
        )

    def taxable(self, product_id: str) -> Taxable:
        found = self._taxables.get(product_id)
        if found is None:
            product = self.products[product_id]
            found = Taxable(TaxCategory(product["tax_category"]), ProductKind(product["kind"]))
            self._taxables[product_id] = found
        return found

    def setup_fee(self, plan_id: str) -> tuple[Price, ...]:
        found = self._setup_fees.get(plan_id)
        if found is None:
            found = self._setup_fees[plan_id] = prices_of(self.plans[plan_id]["setup_fee"])
        return found

    def variant(self, variant_id: str, locale: str) -> VariantInfo:
        cached = self._variant_infos.get((variant_id, locale))
        if cached is not None:
            return cached
        row = self.variants[variant_id]
        plan = self.plans[row["plan_id"]]
        info = VariantInfo(
            id=variant_id,
            plan_id=plan["id"],
            name=f"{_name(plan, locale)} - {_name(row, locale)}",
            terms=terms_of(row),
            prices=PriceSchedule(self.versions.get(variant_id, ())),
            tax=self.taxable(plan["product_id"]),
        )
        self._variant_infos[(variant_id, locale)] = info
        return info

    def component(self, component_id: str, locale: str) -> ComponentInfo:
        cached = self._component_infos.get((component_id, locale))
        if cached is not None:
            return cached
        row = self.components[component_id]
        info = ComponentInfo(
            id=component_id,
            name=_name(row, locale),
            charge_type=ChargeType(row["charge_type"]),
            prices=PriceSchedule(self.versions.get(component_id, ())),
            prorate=bool(row["prorate"]),
            aggregation=Aggregation(row["aggregation"]) if row["aggregation"] else None,
            included=row["included_quantity"] or Decimal(0),
            tax=self.taxable(row["product_id"]),
        )
        self._component_infos[(component_id, locale)] = info
        return info


def _grouped(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def _in(
    ctx: TenantContext,
    table: Any,
    column: str,
    values: Sequence[str],
    columns: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows whose ``column`` is one of ``values``: all columns, or only ``columns``."""
    if not values:
        return []
    scope = ctx.scope
    selected = [table.c[name] for name in columns] if columns else []
    return scope.rows(scope.select(table, *selected).where(one_of(table.c[column], values)))


# What billing reads of a contract's items, and of a customer: the language, the tax situation
# and the buyer as the invoice shows it (``documents.buyer_of`` and ``documents.buyer_doc``).
ITEM_COLUMNS = ("id", "contract_id", "item_type", "ref_id", "quantity", "valid_from", "valid_until")
CUSTOMER_COLUMNS = (
    "id",
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "locale",
    "billing_address",
    "tax_status",
    "vat_id",
    "tax_exempt",
    "buyer_reference",
)


@dataclass
class Batch:
    """The engine inputs of a batch of contracts, plus the customers they bill."""

    contracts: list[ContractBilling]
    customers: dict[str, dict[str, Any]]


def load_batch(
    ctx: TenantContext,
    catalog: Catalog,
    rows: Sequence[dict[str, Any]],
    decoder: Decoder = PLAIN,
) -> Batch:
    """The engine inputs of contract ``rows``; their JSON columns decoded by ``decoder``."""
    contract_ids = [row["id"] for row in rows]
    customer_ids = sorted({row["customer_id"] for row in rows})
    items = _grouped(
        _in(ctx, contract_items, "contract_id", contract_ids, ITEM_COLUMNS), "contract_id"
    )
    redemptions = _grouped(_in(ctx, coupon_redemptions, "contract_id", contract_ids), "contract_id")
    coupon_ids = sorted({r["coupon_id"] for found in redemptions.values() for r in found})
    coupon_objects = {row["id"]: coupon_of(row) for row in _in(ctx, coupons, "id", coupon_ids)}
    personal_prices = _grouped(
        _in(ctx, customer_prices, "customer_id", customer_ids), "customer_id"
    )
    personal_discounts = _grouped(
        _in(ctx, customer_discounts, "customer_id", customer_ids), "customer_id"
    )
    customer_rows = {
        row["id"]: row for row in _in(ctx, customers, "id", customer_ids, CUSTOMER_COLUMNS)
    }
    result = []
    for row in rows:
        customer = customer_rows[row["customer_id"]]
        result.append(
            contract_billing(
                catalog,
                row,
                customer,
                items.get(row["id"], []),
                redemptions.get(row["id"], []),
                coupon_objects,
                personal_prices.get(row["customer_id"], []),
                personal_discounts.get(row["customer_id"], []),
                decoder,
            )
        )
    return Batch(result, customer_rows)


def _schedule(
    versions: tuple[PriceVersion, ...], ref_id: str, personal: list[dict[str, Any]]
) -> PriceSchedule:
    own = tuple(
        PersonalPrice(p["valid_from"], p["valid_until"], prices_of(p["prices"]))
        for p in sorted(personal, key=lambda p: p["valid_from"])
        if p["target_id"] == ref_id
    )
    return PriceSchedule(versions, own)


def contract_billing(
    catalog: Catalog,
    row: dict[str, Any],
    customer: dict[str, Any],
    items: list[dict[str, Any]],
    redemptions: list[dict[str, Any]],
    coupons: Mapping[str, Coupon],
    personal_prices: list[dict[str, Any]],
    personal_discounts: list[dict[str, Any]],
    decoder: Decoder = PLAIN,
) -> ContractBilling:
    locale = customer["locale"]
    segments = tuple(
        Segment(
            id=i["id"],
            item_type=i["item_type"],
            ref_id=i["ref_id"],
            quantity=i["quantity"],
            valid_from=i["valid_from"],
            valid_until=i["valid_until"],
        )
        for i in sorted(items, key=lambda i: (i["valid_from"], i["id"]))
    )
    variants = {}
    component_infos = {}
    for segment in segments:
        if segment.item_type == "plan_variant":
            info = catalog.variant(segment.ref_id, locale)
            if personal_prices:
                info = _with_prices(info, personal_prices)
            variants[segment.ref_id] = info
        else:
            component = catalog.component(segment.ref_id, locale)
            if personal_prices:
                component = _with_component_prices(component, personal_prices)
            component_infos[segment.ref_id] = component
    first_plan = (
        catalog.plans[
            catalog.variants[next(s.ref_id for s in segments if s.item_type == "plan_variant")][
                "plan_id"
            ]
        ]
        if segments
        else catalog.plans[row["plan_id"]]
    )
    discounts = [
        ContractDiscount(
            id=r["id"],
            coupon=coupons[r["coupon_id"]],
            starts_on=row["start_date"],
            order=index,
            label=coupons[r["coupon_id"]].code,
        )
        for index, r in enumerate(sorted(redemptions, key=lambda r: (r["redeemed_at"], r["id"])))
    ]
    for index, d in enumerate(sorted(personal_discounts, key=lambda d: d["id"])):
        discounts.append(
            ContractDiscount(
                id=d["id"],
                coupon=discount_of(d),
                starts_on=d["valid_from"],
                ends_on=d["valid_until"],
                order=len(redemptions) + index,
                label=d["reason"],
            )
        )
    return ContractBilling(
        contract_id=row["id"],
        customer_id=row["customer_id"],
        currency=row["currency"],
        timing=BillingTiming(row["billing_timing"]),
        lifecycle=lifecycle_of(row, decoder),
        billing_anchor=row["billing_anchor"],
        segments=segments,
        variants=variants,
        components=component_infos,
        trial=decoder.decode(trial_of, row["trial"]),
        intro=decoder.decode(intro_of, row["intro"]),
        plan_name=_name(first_plan, locale),
        setup_fee=catalog.setup_fee(first_plan["id"]),
        setup_tax=catalog.taxable(first_plan["product_id"]),
        discounts=tuple(discounts),
        compensate_withdrawal=decoder.decode(_service_started_early, row["cancellation"]),
        locale=locale,
    )


def _service_started_early(cancellation: dict[str, Any] | None) -> bool:
    """Whether the customer asked for the service to start within the withdrawal period (a
    withdrawal then owes compensation for the days served)."""
    return bool((cancellation or {}).get("service_started_early"))


def _with_prices(info: VariantInfo, personal: list[dict[str, Any]]) -> VariantInfo:
    return replace(info, prices=_schedule(info.prices.versions, info.id, personal))


def _with_component_prices(info: ComponentInfo, personal: list[dict[str, Any]]) -> ComponentInfo:
    return replace(info, prices=_schedule(info.prices.versions, info.id, personal))
