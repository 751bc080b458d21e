"""References the database does not enforce itself: the tables a billing run writes in bulk
have no foreign keys (see ``turnus.store.billing_tables``). Their writers keep them whole; this
check finds any row whose referenced row is missing, across all tenants (``turnus db check``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, and_, exists, func, select

from turnus.store.billing_tables import invoice_items, invoices
from turnus.store.customer_tables import customers
from turnus.store.document_tables import owed_mails
from turnus.store.scope import one_of

EXAMPLES = 5


@dataclass(frozen=True)
class Reference:
    """``table.column`` names a row of ``target`` (its ``id``) of the same tenant."""

    table: Table
    column: str
    target: Table

    def __str__(self) -> str:
        return f"{self.table.name}.{self.column} -> {self.target.name}.id"


UNENFORCED = (
    Reference(invoices, "customer_id", customers),
    Reference(invoice_items, "invoice_id", invoices),
)


@dataclass(frozen=True)
class ListedReference:
    """Each id in the JSON array ``table.column`` names a row of ``target`` of the same tenant."""

    table: Table
    column: str
    target: Table

    def __str__(self) -> str:
        return f"{self.table.name}.{self.column}[] -> {self.target.name}.id"


LISTED = (ListedReference(owed_mails, "document_ids", invoices),)


@dataclass(frozen=True)
class Dangling:
    """Rows of ``reference.table`` whose referenced row is missing: how many, and the first
    few of them as (tenant id, row id)."""

    reference: Reference | ListedReference
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
        key = source.c.id
        rows = connection.execute(
            select(source.c.tenant_id, key)
            .where(missing)
            .order_by(source.c.tenant_id, key)
            .limit(EXAMPLES)
        )
        found.append(Dangling(reference, total, tuple((r[0], r[1]) for r in rows)))
    for listed in LISTED:
        dangling = _dangling_listed(connection, listed)
        if dangling is not None:
            found.append(dangling)
    return found


def _dangling_listed(connection: Connection, reference: ListedReference) -> Dangling | None:
    """The ids listed in ``reference.table`` that name no row (examples: tenant and id). The
    lists are short-lived and few (a billing run's batches whose mails are not queued yet):
    read whole, their ids looked up per tenant."""
    source, target = reference.table, reference.target
    listed: dict[str, set[str]] = {}
    for tenant_id, ids in connection.execute(
        select(source.c.tenant_id, source.c[reference.column])
    ):
        listed.setdefault(tenant_id, set()).update(ids)
    missing: list[tuple[str, str]] = []
    for tenant_id, ids in sorted(listed.items()):
        present = set(
            connection.execute(
                select(target.c.id).where(
                    target.c.tenant_id == tenant_id, one_of(target.c.id, sorted(ids))
                )
            ).scalars()
        )
        missing += [(tenant_id, i) for i in sorted(ids - present)]
    if not missing:
        return None
    return Dangling(reference, len(missing), tuple(missing[:EXAMPLES]))
