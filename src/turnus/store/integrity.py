"""References the database does not enforce itself: the tables a billing run writes in bulk
have no foreign keys (see ``turnus.store.billing_tables``). Their writers keep them whole; this
check finds any row whose referenced row is missing, across all tenants (``turnus db check``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, and_, exists, func, select

from turnus.store.billing_tables import invoice_items, invoices
from turnus.store.customer_tables import customers
from turnus.store.document_tables import owed_mails

EXAMPLES = 5


@dataclass(frozen=True)
class Reference:
    """``table.column`` names a row of ``target`` (its ``id``) of the same tenant; ``key``:
    the column that names a row of ``table`` in the examples."""

    table: Table
    column: str
    target: Table
    key: str = "id"

    def __str__(self) -> str:
        return f"{self.table.name}.{self.column} -> {self.target.name}.id"


UNENFORCED = (
    Reference(invoices, "customer_id", customers),
    Reference(invoice_items, "invoice_id", invoices),
    Reference(owed_mails, "document_id", invoices, key="document_id"),
)


@dataclass(frozen=True)
class Dangling:
    """Rows of ``reference.table`` whose referenced row is missing: how many, and the first
    few of them as (tenant id, row id)."""

    reference: Reference
    count: int
    examples: tuple[tuple[str, str], ...]


def dangling_references(connection: Connection) -> list[Dangling]:
    """Every unenforced reference with rows that point nowhere (empty: all whole)."""
    found = []
    for reference in UNENFORCED:
        source, target = reference.table, reference.target
        missing = ~exists().where(
            and_(
                target.c.tenant_id == source.c.tenant_id,
                target.c.id == source.c[reference.column],
            )
        )
        count = connection.execute(select(func.count()).select_from(source).where(missing))
        total = int(count.scalar_one())
        if not total:
            continue
        key = source.c[reference.key]
        rows = connection.execute(
            select(source.c.tenant_id, key)
            .where(missing)
            .order_by(source.c.tenant_id, key)
            .limit(EXAMPLES)
        )
        found.append(Dangling(reference, total, tuple((r[0], r[1]) for r in rows)))
    return found
