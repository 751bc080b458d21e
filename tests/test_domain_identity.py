import pytest

from turnus.domain import identity
from turnus.domain.errors import ValidationFailed
from turnus.domain.tenant import TenantProfile, validated_profile


def test_vat_ids_are_normalised_and_check_digits_verified() -> None:
    assert identity.vat_id("de 136 695 976", "/vat_id") == "DE136695976"
    assert identity.vat_id("FR40303265045", "/vat_id") == "FR40303265045"
    with pytest.raises(ValidationFailed) as info:
        identity.vat_id("DE136695977", "/vat_id")
    assert info.value.errors[0].pointer == "/vat_id"


def test_countries_time_zones_and_locales() -> None:
    assert identity.country("de", "/country") == "DE"
    assert identity.timezone("Europe/Vienna", "/tz") == "Europe/Vienna"
    assert identity.locale("EN", "/l") == "en"
    for func, value in (
        (identity.country, "XX"),
        (identity.timezone, "Mars/Base"),
        (identity.locale, "fr"),
    ):
        with pytest.raises(ValidationFailed):
            func(value, "/x")


def test_profile_validation_lists_every_bad_field() -> None:
    profile = TenantProfile(
        company_name=" ",
        street="S",
        postcode="1",
        city="C",
        country="XX",
        vat_id="DE000",
        default_currency="EURO",
        timezone="Nowhere",
    )
    with pytest.raises(ValidationFailed) as info:
        validated_profile(profile)
    pointers = {e.pointer for e in info.value.errors}
    assert pointers == {"/company_name", "/country", "/vat_id", "/default_currency", "/timezone"}


def test_valid_profile_is_normalised() -> None:
    profile = validated_profile(
        TenantProfile(
            company_name=" Kaffee GmbH ",
            street="Weg",
            postcode="10115",
            city="Berlin",
            country="de",
            vat_id="DE 136695976",
            tax_number="2181508150",
        )
    )
    assert profile.company_name == "Kaffee GmbH"
    assert profile.country == "DE"
    assert profile.vat_id == "DE136695976"
