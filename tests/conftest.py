"""Test fixtures. Every storage test runs against the database named by
TURNUS_TEST_DATABASE_URL: a fresh SQLite file by default, or a fresh database created on the
PostgreSQL server given there (and dropped afterwards). The schema is always made by the
Alembic migrations."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from turnus.api.app import create_app
from turnus.config import Settings, get_settings, load_settings
from turnus.documents.storage import FilesystemStore
from turnus.domain.clock import TenantMode
from turnus.domain.tenant import TenantProfile
from turnus.services import api_keys, tenants
from turnus.services.context import Actor, TenantContext
from turnus.services.documents import archive
from turnus.services.uow import UnitOfWork
from turnus.services.wall_clock import FixedWallClock
from turnus.store import migrate
from turnus.store.database import create_database_engine

OPERATOR_KEY = "operator-" + "x" * 40
TEST_ACTOR = Actor("cli", "tests")
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _fresh_postgres(base_url: str) -> tuple[str, str]:
    url = make_url(base_url)
    name = f"turnus_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


# fixtures shared by several test modules
pytest_plugins = ["tests.mail_fixtures"]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TURNUS_TEST_DATABASE_URL", "").strip()
    if not configured or configured.startswith("sqlite"):
        path: Path = tmp_path_factory.mktemp("db") / "turnus.db"
        yield f"sqlite:///{path}"
        return
    if configured.startswith("postgresql://"):
        configured = "postgresql+psycopg://" + configured.split("://", 1)[1]
    url, name = _fresh_postgres(configured)
    yield url
    admin = create_engine(make_url(configured), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def wall_clock() -> FixedWallClock:
    return FixedWallClock(START)


@pytest.fixture(scope="session", autouse=True)
def documents_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The document archive of the test session (services outside the API read the env)."""
    path = str(tmp_path_factory.mktemp("documents"))
    previous = os.environ.get("TURNUS_DOCUMENTS_DIR")
    os.environ["TURNUS_DOCUMENTS_DIR"] = path
    archive.use_store(FilesystemStore(path))
    yield path
    if previous is None:
        os.environ.pop("TURNUS_DOCUMENTS_DIR", None)
    else:
        os.environ["TURNUS_DOCUMENTS_DIR"] = previous


@pytest.fixture
def settings(database_url: str, documents_dir: str) -> Settings:
    return load_settings(
        database_url=database_url, operator_key=OPERATOR_KEY, documents_dir=documents_dir
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, wall_clock: FixedWallClock) -> FastAPI:
    return create_app(settings, engine=engine, wall_clock=wall_clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Merchant:
    tenant_id: str
    api_key: str
    client: TestClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def get(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def post(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.post(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def patch(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.patch(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )


def make_tenant(
    engine: Engine,
    wall_clock: FixedWallClock,
    mode: TenantMode = TenantMode.SANDBOX,
    **profile: object,
) -> tuple[str, str]:
    fields = {
        "company_name": "Testhaus GmbH",
        "street": "Teststraße",
        "house_number": "1",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
        "tax_number": "2181508150",  # invoices need the seller's tax number or VAT ID
        "mode": mode,
        **profile,
    }
    with UnitOfWork(engine) as uow:
        row = tenants.create_tenant(
            uow,
            TenantProfile(**fields),  # type: ignore[arg-type]
            actor=TEST_ACTOR,
            wall_clock=wall_clock,
        )
        ctx = TenantContext(uow=uow, tenant_id=row["id"], actor=TEST_ACTOR, wall_clock=wall_clock)
        _, secret = api_keys.create_key(ctx, "test key")
    return row["id"], secret


@pytest.fixture
def merchant(engine: Engine, wall_clock: FixedWallClock, client: TestClient) -> Merchant:
    tenant_id, secret = make_tenant(engine, wall_clock)
    return Merchant(tenant_id, secret, client)


@pytest.fixture
def other_merchant(engine: Engine, wall_clock: FixedWallClock, client: TestClient) -> Merchant:
    tenant_id, secret = make_tenant(engine, wall_clock, company_name="Andere AG")
    return Merchant(tenant_id, secret, client)


@pytest.fixture
def live_merchant(engine: Engine, wall_clock: FixedWallClock, client: TestClient) -> Merchant:
    tenant_id, secret = make_tenant(engine, wall_clock, mode=TenantMode.LIVE)
    return Merchant(tenant_id, secret, client)


def assert_problem(response, status: int, pointer: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """A response is an RFC 9457 problem of the given status (naming ``pointer``, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"] and body["detail"]
    assert isinstance(body["errors"], list)
    assert "Traceback" not in response.text
    if pointer is not None:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return body


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """The CLI's commands use the test database (their settings are read afresh)."""
    monkeypatch.setenv("TURNUS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
