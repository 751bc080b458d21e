"""Unit of work: one database connection and transaction for one use case or request."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction

from turnus.store.scope import TenantScope


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.engine.connect()
        if self._transaction is None:
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
        if self._connection is not None:
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
