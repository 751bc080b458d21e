"""Billing settings: defaults, changes, validation naming the field, and number formats."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import Merchant, assert_problem
from turnus.domain.billing.numbering import NumberFormat, format_errors
from turnus.domain.errors import ValidationFailed


def test_defaults_until_changed(merchant: Merchant) -> None:
    body = merchant.get("/v1/billing_settings").json()
    assert body["invoice_number_format"] == "RE-{YYYY}-{SEQ:06}"
    assert body["payment_terms_days"] == 14
    assert body["negative_invoices"] == "credit_balance"
    assert body["prices_include_tax"] is False


def test_change_is_kept_and_audited(merchant: Merchant) -> None:
    response = merchant.patch(
        "/v1/billing_settings", json={"draft_grace_days": 2, "prices_include_tax": True}
    )
    assert response.status_code == 200, response.text
    again = merchant.get("/v1/billing_settings").json()
    assert again["draft_grace_days"] == 2 and again["prices_include_tax"] is True
    audit = merchant.get("/v1/audit_events", params={"object_type": "billing_settings"}).json()
    assert audit["data"][0]["action"] == "updated"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"invoice_number_format": "RE-{YYYY}"}, "/invoice_number_format"),
        ({"invoice_number_format": "RE {SEQ}"}, "/invoice_number_format"),
        ({"credit_note_number_format": "GS-{DD}-{SEQ}"}, "/credit_note_number_format"),
        ({"credit_note_number_format": "RE-{YY}-{SEQ}"}, "/credit_note_number_format"),
        ({"payment_terms_days": -1}, "/payment_terms_days"),
        ({"draft_grace_days": 31}, "/draft_grace_days"),
        ({"negative_invoices": "refund"}, "/negative_invoices"),
    ],
)
def test_bad_settings_name_the_field_and_change_nothing(
    merchant: Merchant, body: dict[str, object], pointer: str
) -> None:
    assert_problem(merchant.patch("/v1/billing_settings", json=body), 422, pointer)
    assert merchant.get("/v1/billing_settings").json()["invoice_number_format"] == (
        "RE-{YYYY}-{SEQ:06}"
    )


def test_settings_are_per_tenant(merchant: Merchant, other_merchant: Merchant) -> None:
    merchant.patch("/v1/billing_settings", json={"payment_terms_days": 30})
    assert other_merchant.get("/v1/billing_settings").json()["payment_terms_days"] == 14


def test_number_formats_render_and_restart() -> None:
    yearly = NumberFormat("RE-{YYYY}-{SEQ:06}")
    assert yearly.render(date(2027, 3, 1), 42) == "RE-2027-000042"
    assert yearly.period_key(date(2027, 3, 1)) == "2027"
    monthly = NumberFormat("{YY}{MM}/{SEQ:04}")
    assert monthly.render(date(2027, 3, 1), 7) == "2703/0007"
    assert monthly.period_key(date(2027, 3, 1)) == "2027-03"
    plain = NumberFormat("INV{SEQ}")
    assert plain.render(date(2027, 3, 1), 1234567) == "INV1234567"
    assert plain.period_key(date(2030, 1, 1)) == ""


def test_consecutive_numbers_render_at_once() -> None:
    yearly = NumberFormat("RE-{YYYY}-{SEQ:02}.{MM}")
    assert yearly.render_many(date(2027, 3, 1), 99, 3) == [
        "RE-2027-99.03",
        "RE-2027-100.03",
        "RE-2027-101.03",
    ]
    assert NumberFormat("{SEQ}").render_many(date(2027, 3, 1), 9, 2) == ["9", "10"]
    assert NumberFormat("INV{SEQ}").render_many(date(2027, 3, 1), 5, 0) == []
    with pytest.raises(ValueError, match="start at 1"):
        yearly.render_many(date(2027, 3, 1), 0, 2)


def test_number_format_errors() -> None:
    assert format_errors("RE-{SEQ:06}-{SEQ}", "/f")[0].reason.startswith("must contain")
    assert format_errors("RE-{SEQ:00}", "/f")
    assert format_errors("R€-{SEQ}", "/f")
    assert not format_errors("RE-{YYYY}-{MM}-{SEQ:012}", "/f")
    with pytest.raises(ValidationFailed):
        NumberFormat("RE")
    with pytest.raises(ValueError):
        NumberFormat("RE{SEQ}").render(date(2027, 1, 1), 0)
