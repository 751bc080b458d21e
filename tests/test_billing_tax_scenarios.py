"""Tax on invoices produced by the billing run: reverse charge to a French business, OSS to an
Austrian consumer, a small business under § 19 UStG, and gross prices."""

from __future__ import annotations

from typing import Any

from tests.conftest import Merchant
from tests.test_contracts_api import post

MONTH = {"unit": "month", "count": 1}


def _catalog(merchant: Merchant) -> str:
    product = post(
        merchant,
        "/v1/products",
        {"name_de": "Cloud-Software", "kind": "digital", "tax_category": "standard"},
    )
    plan = post(merchant, "/v1/plans", {"product_id": product["id"], "name_de": "Cloud"})
    variant = post(
        merchant,
        "/v1/plan_variants",
        {
            "plan_id": plan["id"],
            "name_de": "monatlich",
            "billing_interval": MONTH,
            "prices": [{"currency": "EUR", "amount": "100.00"}],
        },
    )
    return str(variant["id"])


def _customer(merchant: Merchant, country: str, **extra: Any) -> str:
    body = {
        "kind": "person",
        "first_name": "Kim",
        "last_name": "Muster",
        "email": "kim@example.com",
        "billing_address": {
            "street": "Rue de Rivoli" if country == "FR" else "Hauptstraße",
            "house_number": "1",
            "postcode": "75001" if country == "FR" else "1010" if country == "AT" else "10115",
            "city": "Paris" if country == "FR" else "Wien" if country == "AT" else "Berlin",
            "country": country,
        },
        "tax_status": "consumer",
        **extra,
    }
    return str(post(merchant, "/v1/customers", body)["id"])


def _bill(merchant: Merchant, customer_id: str, variant_id: str) -> dict[str, Any]:
    post(
        merchant,
        "/v1/orders",
        {"type": "signup", "customer_id": customer_id, "variant_id": variant_id},
    )
    run = merchant.post("/v1/billing_runs", json={"dry_run": True})
    assert run.status_code == 200, run.text
    (document,) = [d for d in run.json()["documents"] if d["customer_id"] == customer_id]
    return document


def test_reverse_charge_to_a_french_business(merchant: Merchant) -> None:
    variant = _catalog(merchant)
    customer = _customer(
        merchant,
        "FR",
        kind="company",
        company_name="Exemple SARL",
        first_name=None,
        last_name=None,
        tax_status="business",
        vat_id="FR40303265045",
    )
    document = _bill(merchant, customer, variant)
    assert (document["net_total"], document["tax_total"], document["gross_total"]) == (
        10000,
        0,
        10000,
    )
    assert [(i["tax_treatment"], i["tax_rate"]) for i in document["items"]] == [
        ("reverse_charge", "0")
    ]
    assert any("Steuerschuldnerschaft des Leistungsempfängers" in n for n in document["notes"])


def test_oss_to_an_austrian_consumer(merchant: Merchant) -> None:
    # a digital service to an Austrian consumer: Austrian VAT, 20 % of 100.00
    variant = _catalog(merchant)
    document = _bill(merchant, _customer(merchant, "AT"), variant)
    assert (document["net_total"], document["tax_total"], document["gross_total"]) == (
        10000,
        2000,
        12000,
    )
    assert [(i["tax_treatment"], i["tax_rate"]) for i in document["items"]] == [("oss", "20")]
    assert document["tax_breakdown"] == [
        {
            "treatment": "oss",
            "country": "AT",
            "rate": "20",
            "net": 10000,
            "tax": 2000,
            "gross": 12000,
        }
    ]


def test_small_business_charges_no_vat(merchant: Merchant) -> None:
    assert merchant.patch("/v1/billing_settings", json={"small_business": True}).status_code == 200
    variant = _catalog(merchant)
    document = _bill(merchant, _customer(merchant, "DE"), variant)
    assert (document["net_total"], document["tax_total"], document["gross_total"]) == (
        10000,
        0,
        10000,
    )
    assert [i["tax_treatment"] for i in document["items"]] == ["small_business"]
    assert any("§ 19 UStG" in n for n in document["notes"])


def test_gross_prices_for_a_german_consumer(merchant: Merchant) -> None:
    # 100.00 entered gross: 19 % is contained: 10000 x 19/119 = 1596.64 -> 1597, net 8403
    assert (
        merchant.patch("/v1/billing_settings", json={"prices_include_tax": True}).status_code == 200
    )
    variant = _catalog(merchant)
    document = _bill(merchant, _customer(merchant, "DE"), variant)
    assert (document["net_total"], document["tax_total"], document["gross_total"]) == (
        8403,
        1597,
        10000,
    )
