"""The complete schema: importing this registers every table module on ``metadata``."""

from turnus.store import (
    billing_tables,
    catalog_tables,
    contract_tables,
    customer_tables,
    document_tables,
    tables,
)
from turnus.store.tables import metadata

__all__ = [
    "billing_tables",
    "catalog_tables",
    "contract_tables",
    "customer_tables",
    "document_tables",
    "metadata",
    "tables",
]
