import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.customer import (
    Address,
    CustomerKind,
    CustomerProfile,
    TaxStatus,
    display_name,
    validated_profile,
)
from turnus.domain.errors import ValidationFailed

BERLIN = Address(
    street=" Hauptstraße ", postcode="10115", city="Berlin", country="de", house_number=" 5 "
)


def person(**changes) -> CustomerProfile:
    fields = {
        "kind": CustomerKind.PERSON,
        "email": " erika@example.com ",
        "billing_address": BERLIN,
        "tax_status": TaxStatus.CONSUMER,
        "locale": "DE",
        "first_name": "Erika",
        "last_name": "Mustermann",
        **changes,
    }
    return CustomerProfile(**fields)


def test_normalises() -> None:
    profile = validated_profile(person(tags=("a", " a ", "b"), vat_id="de 136 695 976"))
    assert profile.email == "erika@example.com"
    assert profile.locale == "de"
    assert profile.billing_address == Address("Hauptstraße", "10115", "Berlin", "DE", "5")
    assert profile.tags == ("a", "b")
    assert profile.vat_id == "DE136695976"
    assert display_name(profile) == "Erika Mustermann"
    company = validated_profile(person(kind=CustomerKind.COMPANY, company_name=" ACME AG "))
    assert display_name(company) == "ACME AG"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"first_name": ""}, "/first_name"),
        ({"kind": CustomerKind.COMPANY}, "/company_name"),
        ({"email": "a@b"}, "/email"),
        ({"phone": "0800-FLOWERS"}, "/phone"),
        ({"locale": "fr"}, "/locale"),
        ({"billing_address": Address("S", "1234", "Berlin", "DE")}, "/billing_address/postcode"),
        ({"billing_address": Address("", "75001", "Paris", "FR")}, "/billing_address/street"),
        ({"shipping_address": Address("S", "1", "C", "ZZ")}, "/shipping_address/country"),
        ({"vat_id": "DE000000000"}, "/vat_id"),
        ({"tax_exempt": True}, "/tax_exempt_reason"),
        ({"tags": ("x" * 41,)}, "/tags/0"),
        ({"custom_fields": {"note": "v" * 501}}, "/custom_fields/note"),
        ({"custom_fields": {f"k{i}": "v" for i in range(51)}}, "/custom_fields"),
    ],
)
def test_each_problem_names_its_field(changes: dict, pointer: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validated_profile(person(**changes))
    assert pointer in [e.pointer for e in info.value.errors]


def test_foreign_postcodes_are_not_held_to_german_rules() -> None:
    profile = validated_profile(person(billing_address=Address("Rue", "75001", "Paris", "FR")))
    assert profile.billing_address.postcode == "75001"
    uk = validated_profile(person(billing_address=Address("High St", "SW1A 1AA", "London", "GB")))
    assert uk.billing_address.country == "GB"


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=10), max_size=30))
def test_tags_are_deduplicated_in_order(tags: list[str]) -> None:
    profile = validated_profile(person(tags=tuple(tags)))
    assert list(profile.tags) == list(dict.fromkeys(tags))
