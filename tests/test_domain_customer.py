"""Customer profiles: normalisation, one error per bad field with its JSON pointer, VAT IDs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from turnus.domain.customer import (
    MAX_TAGS,
    Address,
    CustomerKind,
    CustomerProfile,
    TaxStatus,
    checked_vat_id,
    display_name,
    pointer_token,
    validated_profile,
    vat_id_missing,
)
from turnus.domain.errors import ValidationFailed

BERLIN = Address(
    street=" Hauptstraße ", postcode="10115", city="Berlin", country="de", house_number=" 5 "
)
PARIS = Address("Rue de Rivoli", "75001", "Paris", "FR", "10")


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


def pointers(profile: CustomerProfile) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        validated_profile(profile)
    return [e.pointer for e in info.value.errors]


def test_normalises() -> None:
    profile = validated_profile(
        person(tags=("a", " a ", "b"), vat_id="de 136 695 976", phone=" +49 (30) 123-45/67 ")
    )
    assert profile.email == "erika@example.com"
    assert profile.locale == "de"
    assert profile.billing_address == Address("Hauptstraße", "10115", "Berlin", "DE", "5")
    assert profile.tags == ("a", "b")
    assert profile.vat_id == "DE136695976"
    assert profile.phone == "+49 (30) 123-45/67"
    assert display_name(profile) == "Erika Mustermann"
    company = validated_profile(person(kind=CustomerKind.COMPANY, company_name=" ACME AG "))
    assert display_name(company) == "ACME AG"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"first_name": ""}, "/first_name"),
        ({"last_name": None}, "/last_name"),
        ({"kind": CustomerKind.COMPANY}, "/company_name"),
        ({"email": "a@b"}, "/email"),
        ({"email": "erika example@example.com"}, "/email"),
        ({"phone": "0800-FLOWERS"}, "/phone"),
        ({"phone": "49+30123456"}, "/phone"),  # "+" only in front
        ({"phone": "(0) - / -"}, "/phone"),  # no digits
        ({"phone": "1234"}, "/phone"),  # too short to be a number
        ({"phone": "1" * 21}, "/phone"),
        ({"locale": "fr"}, "/locale"),
        ({"billing_address": Address("S", "1234", "Berlin", "DE")}, "/billing_address/postcode"),
        ({"billing_address": Address("S", "1011a", "Berlin", "DE")}, "/billing_address/postcode"),
        ({"billing_address": Address("S", " ", "Berlin", "DE")}, "/billing_address/postcode"),
        ({"billing_address": Address("", "75001", "Paris", "FR")}, "/billing_address/street"),
        ({"billing_address": Address("S", "75001", " ", "FR")}, "/billing_address/city"),
        ({"billing_address": Address("S", "75001", "Paris", "XX")}, "/billing_address/country"),
        (
            {"billing_address": Address("S", "75001", "Paris", "FR", recipient="Max")},
            "/billing_address/recipient",
        ),
        ({"shipping_address": Address("S", "1", "C", "ZZ")}, "/shipping_address/country"),
        ({"shipping_address": Address("S", "123", "Köln", "DE")}, "/shipping_address/postcode"),
        ({"vat_id": "DE136695977"}, "/vat_id"),  # wrong check digit
        ({"vat_id": "DE13669597"}, "/vat_id"),  # too short
        ({"vat_id": ""}, "/vat_id"),
        ({"tax_exempt": True}, "/tax_exempt_reason"),
        ({"tax_exempt": True, "tax_exempt_reason": "  "}, "/tax_exempt_reason"),
        ({"tax_exempt_reason": "Kleinunternehmer"}, "/tax_exempt_reason"),
        ({"tags": ("x" * 41,)}, "/tags/0"),
        ({"tags": ("ok", " ")}, "/tags/1"),
        ({"tags": tuple(f"t{i}" for i in range(MAX_TAGS + 1))}, "/tags"),
        ({"custom_fields": {"note": "v" * 501}}, "/custom_fields/note"),
        ({"custom_fields": {"k" * 41: "v"}}, f"/custom_fields/{'k' * 41}"),
        ({"custom_fields": {"a/b~c": "v" * 501}}, "/custom_fields/a~1b~0c"),
        ({"custom_fields": {f"k{i}": "v" for i in range(51)}}, "/custom_fields"),
    ],
)
def test_each_problem_names_its_field(changes: dict, pointer: str) -> None:
    assert pointer in pointers(person(**changes))


def test_every_bad_field_is_reported_at_once() -> None:
    found = pointers(
        person(
            first_name=" ",
            email="nope",
            billing_address=Address("", "1", "Berlin", "DE"),
            vat_id="XX123",
            tax_exempt=True,
        )
    )
    assert found == [
        "/first_name",
        "/email",
        "/billing_address/street",
        "/billing_address/postcode",
        "/vat_id",
        "/tax_exempt_reason",
    ]


def test_limits_are_inclusive() -> None:
    profile = validated_profile(
        person(
            tags=(*(f"t{i}" for i in range(MAX_TAGS)), "t0"),  # 31 given, 30 different
            custom_fields={f"{i:02d}" + "k" * 38: "v" * 500 for i in range(50)},
            phone="12345",
        )
    )
    assert len(profile.tags) == 30
    assert len(profile.custom_fields or {}) == 50


def test_foreign_postcodes_are_not_held_to_german_rules() -> None:
    profile = validated_profile(person(billing_address=Address("Rue", "75001", "Paris", "FR")))
    assert profile.billing_address.postcode == "75001"
    uk = validated_profile(person(billing_address=Address("High St", "SW1A 1AA", "London", "gb")))
    assert uk.billing_address.country == "GB"


def test_a_shipping_address_may_name_a_recipient() -> None:
    profile = validated_profile(
        person(shipping_address=Address("Torstr.", "10119", "Berlin", "DE", recipient=" Max "))
    )
    assert profile.shipping_address is not None
    assert profile.shipping_address.recipient == "Max"


@pytest.mark.parametrize(
    ("given_id", "number", "country", "eu"),
    [
        ("DE 136 695 976", "DE136695976", "DE", True),
        ("fr40303265045", "FR40303265045", "FR", True),
        ("EL094259216", "EL094259216", "GR", True),  # Greece's VAT prefix is EL
        ("ATU13585627", "ATU13585627", "AT", True),
        ("GB980780684", "GB980780684", "GB", False),  # python-stdnum drops "GB": restored
        ("CHE-116.281.710 MWST", "CHE116281710MWST", "CH", False),
    ],
)
def test_vat_ids_keep_their_country_prefix(
    given_id: str, number: str, country: str, eu: bool
) -> None:
    checked = checked_vat_id(given_id, "/vat_id")
    assert (checked.number, checked.country, checked.eu) == (number, country, eu)
    assert validated_profile(person(vat_id=given_id)).vat_id == number


@pytest.mark.parametrize(
    ("status", "vat_id", "address", "merchant", "missing"),
    [
        (TaxStatus.BUSINESS, None, PARIS, "DE", True),  # EU business abroad without VAT ID
        (TaxStatus.BUSINESS, "FR40303265045", PARIS, "DE", False),
        (TaxStatus.BUSINESS, None, BERLIN, "DE", False),  # domestic: no reverse charge anyway
        (TaxStatus.BUSINESS, None, BERLIN, "AT", True),
        (TaxStatus.CONSUMER, None, PARIS, "DE", False),
        (TaxStatus.BUSINESS, None, Address("Bahnhofstr.", "8001", "Zürich", "CH"), "DE", False),
    ],
)
def test_eu_businesses_abroad_without_vat_id_are_flagged(
    status: TaxStatus, vat_id: str | None, address: Address, merchant: str, missing: bool
) -> None:
    profile = validated_profile(
        person(
            kind=CustomerKind.COMPANY,
            company_name="X",
            tax_status=status,
            vat_id=vat_id,
            billing_address=address,
        )
    )
    assert vat_id_missing(profile, merchant) is missing


@given(st.lists(st.text(alphabet="abcdefghij ", min_size=1, max_size=10), max_size=60))
def test_tags_are_trimmed_and_deduplicated_in_order(tags: list[str]) -> None:
    expected = list(dict.fromkeys(t.strip() for t in tags))
    if any(not t.strip() for t in tags) or len(expected) > MAX_TAGS:
        with pytest.raises(ValidationFailed):
            validated_profile(person(tags=tuple(tags)))
        return
    assert list(validated_profile(person(tags=tuple(tags))).tags) == expected


@given(st.text(alphabet="0123456789", min_size=1, max_size=8))
def test_german_postcodes_have_exactly_five_digits(postcode: str) -> None:
    profile = person(billing_address=Address("Str.", postcode, "Ort", "DE"))
    if len(postcode) == 5:
        assert validated_profile(profile).billing_address.postcode == postcode
    else:
        assert "/billing_address/postcode" in pointers(profile)


@given(
    st.booleans(),
    st.lists(st.sampled_from("0123456789 -/()"), min_size=1, max_size=30).map("".join),
)
def test_phone_numbers_need_five_to_twenty_digits(plus: bool, rest: str) -> None:
    phone = ("+" if plus else "") + rest
    digits = sum(c.isdigit() for c in phone)
    profile = person(phone=phone)
    if 5 <= digits <= 20 and phone.strip():
        assert validated_profile(profile).phone == phone.strip()
    else:
        assert "/phone" in pointers(profile)


@given(st.text(min_size=1, max_size=40).filter(lambda k: k.strip()))
def test_custom_field_pointers_name_the_key(key: str) -> None:
    found = pointers(person(custom_fields={key: "v" * 501}))
    token = found[-1].removeprefix("/custom_fields/")
    assert "/" not in token
    assert token.replace("~1", "/").replace("~0", "~") == key
    assert token == pointer_token(key)
