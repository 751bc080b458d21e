"""A year of demo history: contracts signed a year ago, changed along the way (quantity
change, upgrade, pause, immediate cancellation, usage), and the sandbox clock advanced day by
day through the year so the scheduled billing runs produce every invoice with the engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from turnus.domain.customer import Address, CustomerKind, CustomerProfile, TaxStatus
from turnus.services import clock, customers
from turnus.services.billing import usage
from turnus.services.context import TenantContext
from turnus.services.contracts import orders

HISTORY_DAYS = 365


def _customer(
    ctx: TenantContext,
    email: str,
    address: Address,
    *,
    first: str | None = None,
    last: str | None = None,
    company: str | None = None,
    vat_id: str | None = None,
) -> str:
    business = company is not None
    row = customers.create_customer(
        ctx,
        CustomerProfile(
            kind=CustomerKind.COMPANY if business else CustomerKind.PERSON,
            email=email,
            billing_address=address,
            tax_status=TaxStatus.BUSINESS if business else TaxStatus.CONSUMER,
            locale="de" if address.country in ("DE", "AT") else "en",
            first_name=first,
            last_name=last,
            company_name=company,
            vat_id=vat_id,
        ),
        external_id=None,
        notes=None,
    )
    return str(row["id"])


def _order(ctx: TenantContext, order_type: str, **payload: Any) -> dict[str, Any]:
    return orders.place(ctx, order_type, payload, preview=False)


def _advance_to(ctx: TenantContext, day: date) -> None:
    target = datetime.combine(day, time(9), tzinfo=ZoneInfo(ctx.clock.timezone))
    if target > ctx.now():
        clock.advance(ctx, target)


def seed_history(ctx: TenantContext, catalog: dict[str, str], until: date) -> dict[str, str]:
    """Sign the history contracts today (the tenant clock stands a year before ``until``) and
    advance the clock to ``until``, placing the year's orders and usage on their days."""
    start = ctx.today()
    jonas = _customer(
        ctx,
        "jonas@demo.turnus.invalid",
        Address(
            street="Kastanienallee", house_number="7", postcode="10435", city="Berlin", country="DE"
        ),
        first="Jonas",
        last="Becker",
    )
    paula = _customer(
        ctx,
        "paula@demo.turnus.invalid",
        Address(
            street="Schillerstraße",
            house_number="21",
            postcode="80336",
            city="München",
            country="DE",
        ),
        first="Paula",
        last="Schmitt",
    )
    tom = _customer(
        ctx,
        "tom@demo.turnus.invalid",
        Address(
            street="Lindenstraße", house_number="3", postcode="50674", city="Köln", country="DE"
        ),
        first="Tom",
        last="Berger",
    )
    nordlicht = _customer(
        ctx,
        "finance@nordlicht.invalid",
        Address(
            street="Am Sandtorkai",
            house_number="50",
            postcode="20457",
            city="Hamburg",
            country="DE",
        ),
        company="Nordlicht Software GmbH",
        vat_id="DE136695976",
    )
    lumiere = _customer(
        ctx,
        "compta@lumiere.invalid",
        Address(
            street="Rue de Rivoli", house_number="10", postcode="75001", city="Paris", country="FR"
        ),
        company="Lumière SARL",
        vat_id="FR40303265045",
    )
    box = catalog["surprise_box"]
    contracts = {
        "coffee_flex": _order(
            ctx,
            "signup",
            customer_id=jonas,
            variant_id=catalog["coffee_flex"],
            components=[{"component_id": box, "quantity": Decimal(1)}],
        )["contract"]["id"],
        "coffee_12m": _order(ctx, "signup", customer_id=paula, variant_id=catalog["coffee_12m"])[
            "contract"
        ]["id"],
        "cancelled": _order(ctx, "signup", customer_id=tom, variant_id=catalog["coffee_flex"])[
            "contract"
        ]["id"],
        "saas": _order(ctx, "signup", customer_id=nordlicht, variant_id=catalog["saas_monthly"])[
            "contract"
        ]["id"],
        "reverse_charge": _order(
            ctx,
            "signup",
            customer_id=lumiere,
            variant_id=catalog["saas_monthly"],
            with_trial=False,
        )["contract"]["id"],
    }
    events: dict[int, Callable[[], object]] = {
        40: lambda: _order(
            ctx,
            "change_quantity",
            contract_id=contracts["coffee_flex"],
            component_id=box,
            quantity=Decimal(2),
        ),
        120: lambda: _order(
            ctx, "change_plan", contract_id=contracts["saas"], variant_id=catalog["saas_yearly"]
        ),
        150: lambda: _order(
            ctx,
            "pause",
            contract_id=contracts["coffee_12m"],
            start=ctx.today(),
            end=ctx.today() + timedelta(days=33),
        ),
        200: lambda: _order(ctx, "cancel", contract_id=contracts["cancelled"], kind="immediate"),
    }
    calls = catalog["api_calls"]
    day = 0
    while start + timedelta(days=day) < until:
        day += 1
        today = start + timedelta(days=day)
        _advance_to(ctx, min(today, until))
        if day in events:
            events[day]()
        if today.day == 20:  # usage reported monthly: more calls as the customer grows
            usage.ingest(
                ctx,
                [
                    {
                        "event_id": f"demo-{contracts['reverse_charge']}-{today.isoformat()}",
                        "contract_id": contracts["reverse_charge"],
                        "component_id": calls,
                        "timestamp": datetime.combine(
                            today, time(8), tzinfo=ZoneInfo(ctx.clock.timezone)
                        ),
                        "quantity": Decimal(8_000 + 300 * day),
                        "unique_key": None,
                        "properties": {},
                    }
                ],
                batch=True,
            )
    return contracts
