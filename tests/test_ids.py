import time
import uuid

from turnus.store.ids import looks_like_id, new_id, new_ids


def test_ids_are_prefixed_and_fixed_width() -> None:
    value = new_id("cus")
    assert value.startswith("cus_")
    assert len(value) == 4 + 26
    assert looks_like_id(value, "cus")
    assert not looks_like_id(value, "inv")
    assert not looks_like_id("cus_not-an-id")


def test_ids_sort_in_creation_order() -> None:
    values = [new_id("inv") for _ in range(2000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _uuid_of(value: str) -> "uuid.UUID":
    number = 0
    for char in value.split("_", 1)[1]:
        number = number * 32 + _ALPHABET.index(char)
    return uuid.UUID(int=number)


def test_ids_are_rfc_9562_version_7_uuids_of_the_current_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    values = [new_id("led") for _ in range(5000)]  # many within one millisecond
    after = time.time_ns() // 1_000_000
    for value in values:
        parsed = _uuid_of(value)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        # the counter may move the millisecond on by a few after 2048 ids in one millisecond
        assert before <= parsed.int >> 80 <= after + 5
    assert len({_uuid_of(v).int & ((1 << 62) - 1) for v in values}) == len(values)


def test_many_ids_at_once_are_the_same_kind_of_ids_in_creation_order() -> None:
    """``new_ids`` with more ids than one millisecond's counter holds moves the millisecond on;
    ids made one by one before and after sort around them."""
    before = time.time_ns() // 1_000_000
    first = new_id("led")
    many = new_ids("led", 10_000)
    last = new_id("led")
    after = time.time_ns() // 1_000_000
    values = [first, *many, last]
    assert len(many) == 10_000
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    for value in values:
        assert looks_like_id(value, "led")
        parsed = _uuid_of(value)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        # 10,000 ids need at least three milliseconds' counters (each starts below 2048)
        assert before <= parsed.int >> 80 <= after + 10
    assert new_ids("led", 0) == []


def test_every_one_of_the_62_random_bits_varies() -> None:
    randoms = [_uuid_of(v).int & ((1 << 62) - 1) for v in new_ids("led", 5000)]
    some_set = some_clear = 0
    for value in randoms:
        some_set |= value
        some_clear |= ~value
    assert some_set == (1 << 62) - 1
    assert some_clear & ((1 << 62) - 1) == (1 << 62) - 1
