"""Unit of work: one database connection and transaction for one use case or request."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction

from turnus.store.database import READ_ONLY
from turnus.store.scope import TenantScope


class UnitOfWork:
    """``read_only``: the transaction only reads (SQLite then does not take the write lock
    when it begins). ``borrowing``: a unit of work inside a transaction the caller began on a
    connection it keeps; the caller commits or rolls back."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.read_only = read_only
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self._borrowed = False

    @classmethod
    def borrowing(cls, connection: Connection) -> UnitOfWork:
        uow = cls(connection.engine)
        uow._connection = connection
        uow._borrowed = True
        return uow

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.engine.connect()
            if self.read_only:
                self._connection.execution_options(**{READ_ONLY: True})
        if self._transaction is None and not self._borrowed:
            self._transaction = self._connection.begin()
        return self._connection

    def scope(self, tenant_id: str) -> TenantScope:
        return TenantScope(self.connection, tenant_id)

    def commit(self) -> None:
        if self._transaction is not None:
            self._transaction.commit()
            self._transaction = None

    def rollback(self) -> None:
        if self._transaction is not None:
            self._transaction.rollback()
            self._transaction = None

    def close(self) -> None:
        self.rollback()
        if self._connection is not None and not self._borrowed:
            self._connection.close()
        self._connection = None

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        self.close()
