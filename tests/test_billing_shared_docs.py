"""Documents that many rows of a billing run share: made once, read-only, plain in JSON."""

from __future__ import annotations

import copy
import pickle
from datetime import date
from decimal import Decimal

import orjson
import pytest

from turnus.domain.billing.model import LineKey, LineKind, NewItem, Taxable
from turnus.domain.billing.settings import BillingSettings
from turnus.domain.catalog.model import ProductKind, TaxCategory
from turnus.domain.tax.rules import Buyer, Seller
from turnus.services.billing.documents import apply_totals, item_row, new_invoice
from turnus.services.billing.shared_docs import SharedDict, SharedList

DAY = date(2026, 3, 2)


def _item(amount: int) -> NewItem:
    return NewItem(
        key=LineKey(LineKind.FEE, "var_1", DAY),
        seq=1,
        amount=amount,
        quantity=Decimal(1),
        description="Plan",
        service_from=DAY,
        service_until=date(2026, 4, 2),
        due=DAY,
        tax=Taxable(TaxCategory.STANDARD, ProductKind.DIGITAL),
        correction=False,
    )


def _invoice_with(amount: int) -> tuple[dict, list[dict]]:
    settings = BillingSettings()
    invoice = new_invoice("cus_1", "EUR", DAY, settings, None, None)
    seller = Seller(country="DE", small_business=False, oss_registered=False)
    buyer = Buyer(country="DE", is_business=False, vat_id=None, tax_exempt=False)
    lines = [item_row(invoice["id"], 1, "con_1", _item(amount), seller, buyer, settings)]
    apply_totals(invoice, lines, "de")
    return invoice, lines


def test_equal_lines_and_totals_share_one_document_each() -> None:
    first, first_lines = _invoice_with(1990)
    second, second_lines = _invoice_with(1990)
    other, other_lines = _invoice_with(4900)
    assert first_lines[0]["data"] is second_lines[0]["data"]
    assert first["tax_breakdown"] is second["tax_breakdown"]
    assert first["notes"] is second["notes"]
    assert other_lines[0]["data"] is not first_lines[0]["data"]
    assert other["tax_breakdown"] is not first["tax_breakdown"]
    assert first_lines[0]["data"] == {
        "correction": False,
        "catalog_amount": 1990,
        "tax_country": "DE",
    }
    # net prices: 19.90 plus 19 % VAT (3.781, half up 3.78)
    assert first["tax_breakdown"] == [
        {
            "treatment": "domestic",
            "country": "DE",
            "rate": "19",
            "net": 1990,
            "tax": 378,
            "gross": 2368,
        }
    ]


def test_a_shared_document_refuses_changes_in_place() -> None:
    invoice, lines = _invoice_with(1990)
    data, breakdown = lines[0]["data"], invoice["tax_breakdown"]
    changes = [
        lambda: data.__setitem__("catalog_amount", 1),
        lambda: data.update(catalog_amount=1),
        lambda: data.pop("correction"),
        lambda: data.setdefault("manual", True),
        lambda: data.clear(),
        lambda: breakdown[0].__setitem__("tax", 0),
        lambda: breakdown.append({}),
        lambda: breakdown.__setitem__(0, {}),
        lambda: breakdown.sort(),
        lambda: breakdown.clear(),
    ]
    for change in changes:
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert data == {"correction": False, "catalog_amount": 1990, "tax_country": "DE"}
    assert breakdown[0]["tax"] == 378 and len(breakdown) == 1
    changed = {**data, "manual": True}  # how a row's own document is made
    assert changed["manual"] is True and "manual" not in data


def test_shared_documents_serialize_copy_and_pickle_as_plain_ones() -> None:
    data = SharedDict(correction=False, catalog_amount=1990, tax_country="AT")
    rows = SharedList([data, data])
    assert orjson.loads(orjson.dumps(rows)) == [dict(data), dict(data)]
    assert copy.deepcopy(rows) == rows and copy.copy(data) == data
    back = pickle.loads(pickle.dumps({"a": data, "b": data, "rows": rows}))
    assert back["a"] == data and type(back["a"]) is SharedDict
    assert back["a"] is back["b"]  # shared before, shared after
    with pytest.raises(TypeError):
        back["rows"].append(1)
