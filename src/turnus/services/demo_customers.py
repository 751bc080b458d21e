"""Demo customers whose contracts show every contract state on the day the demo is seeded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from turnus.domain.customer import Address, CustomerKind, CustomerProfile, TaxStatus
from turnus.services import customers
from turnus.services.context import TenantContext
from turnus.services.contracts import orders

BERLIN = Address(
    street="Torstraße", house_number="12", postcode="10119", city="Berlin", country="DE"
)


def _person(ctx: TenantContext, first: str, last: str, email: str) -> dict[str, Any]:
    return customers.create_customer(
        ctx,
        CustomerProfile(
            kind=CustomerKind.PERSON,
            email=email,
            billing_address=BERLIN,
            tax_status=TaxStatus.CONSUMER,
            locale="de",
            first_name=first,
            last_name=last,
        ),
        external_id=None,
        notes=None,
    )


def seed_customers(ctx: TenantContext, catalog: dict[str, str]) -> dict[str, str]:
    """One contract per state: active, trial, paused, in notice, future, ended."""
    today = ctx.today()
    erika = _person(ctx, "Erika", "Mustermann", "erika@demo.turnus.invalid")
    max_ = _person(ctx, "Max", "Meier", "max@demo.turnus.invalid")
    lena = _person(ctx, "Lena", "Schulz", "lena@demo.turnus.invalid")
    team = customers.create_customer(
        ctx,
        CustomerProfile(
            kind=CustomerKind.COMPANY,
            email="it@beispiel-gmbh.invalid",
            billing_address=Address(
                street="Speicherstraße",
                house_number="3",
                postcode="20457",
                city="Hamburg",
                country="DE",
            ),
            tax_status=TaxStatus.BUSINESS,
            locale="de",
            company_name="Beispiel GmbH",
            vat_id="DE136695976",
        ),
        external_id="crm-1001",
        notes=None,
    )

    def signup(customer: dict[str, Any], variant: str, **extra: Any) -> str:
        result = orders.place(
            ctx,
            "signup",
            {"customer_id": customer["id"], "variant_id": catalog[variant], **extra},
            preview=False,
        )
        contract_id: str = result["contract"]["id"]
        return contract_id

    active = signup(
        erika,
        "coffee_12m",
        components=[{"component_id": catalog["surprise_box"], "quantity": Decimal(1)}],
    )
    trial = signup(team, "saas_monthly")
    paused = signup(max_, "coffee_flex")
    orders.place(
        ctx,
        "pause",
        {"contract_id": paused, "start": today, "end": today + timedelta(days=14)},
        preview=False,
    )
    in_notice = signup(lena, "magazine_consumer")
    orders.place(ctx, "cancel", {"contract_id": in_notice}, preview=False)
    future = signup(erika, "coffee_flex", start_date=today + timedelta(days=10))
    ended = signup(max_, "magazine_consumer")
    orders.place(ctx, "cancel", {"contract_id": ended, "kind": "withdrawal"}, preview=False)
    return {
        "active": active,
        "trial": trial,
        "paused": paused,
        "in_notice": in_notice,
        "future": future,
        "ended": ended,
    }
