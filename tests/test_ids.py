from turnus.store.ids import looks_like_id, new_id


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
