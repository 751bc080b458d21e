"""Document settings: branding, legal footer, template and sender, validated per field."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import Merchant, assert_problem

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100ff0d2d9c0000000049454e44ae426082"
    )
).decode()


def test_defaults_then_changes(merchant: Merchant) -> None:
    body = merchant.get("/v1/document_settings").json()
    assert body["primary_color"] == "#1f3a5f" and body["logo_base64"] is None
    changed = merchant.patch(
        "/v1/document_settings",
        json={
            "logo_base64": PNG,
            "logo_media_type": "image/png",
            "primary_color": "#AA3300",
            "iban": "DE02 1203 0000 0000 2020 51",
            "bic": "BYLADEM1001",
            "register_court": "Amtsgericht Berlin-Charlottenburg",
            "register_number": "HRB 123456 B",
            "template_html": "<h1>{{ document.number }}</h1>",
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["iban"] == "DE02120300000000202051" and body["primary_color"] == "#aa3300"
    assert body["logo_base64"] == PNG
    cleared = merchant.patch("/v1/document_settings", json={"template_html": None}).json()
    assert cleared["template_html"] is None and cleared["logo_base64"] == PNG


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"primary_color": "red"}, "/primary_color"),
        ({"iban": "DE00 1234"}, "/iban"),
        ({"bic": "XX"}, "/bic"),
        ({"logo_base64": "not base64!", "logo_media_type": "image/png"}, "/logo_base64"),
        ({"logo_base64": PNG, "logo_media_type": "image/gif"}, "/logo_media_type"),
        ({"logo_base64": PNG, "logo_media_type": "image/jpeg"}, "/logo_base64"),
        ({"template_html": "{% if %}"}, "/template_html"),
        ({"email_from": "nobody"}, "/email_from"),
    ],
)
def test_bad_settings_name_the_field(
    merchant: Merchant, body: dict[str, object], pointer: str
) -> None:
    assert_problem(merchant.patch("/v1/document_settings", json=body), 422, pointer)
    assert merchant.get("/v1/document_settings").json()["primary_color"] == "#1f3a5f"
