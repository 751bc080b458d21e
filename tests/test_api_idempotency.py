"""Idempotency-Key: replay, mismatch, concurrent duplicates (across app instances)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import Merchant, assert_problem
from turnus.api.app import create_app
from turnus.api.deps import Context
from turnus.api.routing import TenantRoute
from turnus.services import audit


def key_count(merchant: Merchant) -> int:
    return len(merchant.get("/v1/api_keys?limit=100").json()["data"])


def test_retry_replays_the_first_response(merchant: Merchant) -> None:
    first = merchant.post("/v1/api_keys", json={"name": "crm"}, headers={"Idempotency-Key": "k-1"})
    second = merchant.post("/v1/api_keys", json={"name": "crm"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert key_count(merchant) == 2  # the fixture's key and exactly one new one


def test_same_key_with_other_body_is_refused(merchant: Merchant) -> None:
    merchant.post("/v1/api_keys", json={"name": "crm"}, headers={"Idempotency-Key": "k-2"})
    response = merchant.post(
        "/v1/api_keys", json={"name": "erp"}, headers={"Idempotency-Key": "k-2"}
    )
    body = assert_problem(response, 422)
    assert body["type"] == "/problems/idempotency-key-reused"
    assert key_count(merchant) == 2


def test_keys_are_per_tenant(merchant: Merchant, other_merchant: Merchant) -> None:
    a = merchant.post("/v1/api_keys", json={"name": "x"}, headers={"Idempotency-Key": "shared"})
    b = other_merchant.post(
        "/v1/api_keys", json={"name": "x"}, headers={"Idempotency-Key": "shared"}
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers


def test_refusals_are_replayed_too(merchant: Merchant) -> None:
    first = merchant.post("/v1/api_keys", json={"name": ""}, headers={"Idempotency-Key": "k-3"})
    again = merchant.post("/v1/api_keys", json={"name": ""}, headers={"Idempotency-Key": "k-3"})
    assert_problem(first, 422)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"


def test_invalid_key_header_is_named(merchant: Merchant) -> None:
    response = merchant.post(
        "/v1/api_keys", json={"name": "x"}, headers={"Idempotency-Key": "x" * 300}
    )
    assert_problem(response, 422, "/headers/Idempotency-Key")


def test_server_error_releases_the_key(app: FastAPI, merchant: Merchant) -> None:
    calls = {"n": 0}
    router = APIRouter(route_class=TenantRoute)

    @router.post("/v1/_flaky")
    def flaky(ctx: Context) -> dict[str, int]:
        calls["n"] += 1
        audit.record(ctx, object_type="flaky", object_id="f", action="tried")
        if calls["n"] == 1:
            raise RuntimeError("transient")
        return {"attempt": calls["n"]}

    app.include_router(router)
    first = merchant.post("/v1/_flaky", json={}, headers={"Idempotency-Key": "k-4"})
    assert_problem(first, 500)
    second = merchant.post("/v1/_flaky", json={}, headers={"Idempotency-Key": "k-4"})
    assert second.status_code == 200 and second.json() == {"attempt": 2}
    third = merchant.post("/v1/_flaky", json={}, headers={"Idempotency-Key": "k-4"})
    assert third.json() == {"attempt": 2} and calls["n"] == 2
    # The failed attempt's write was rolled back: one audit event, from the successful attempt.
    events = merchant.get("/v1/audit_events?object_type=flaky").json()["data"]
    assert len(events) == 1


def _slow_app(settings, engine: Engine, wall_clock, started: threading.Event) -> FastAPI:
    app = create_app(settings, engine=engine, wall_clock=wall_clock)
    router = APIRouter(route_class=TenantRoute)

    @router.post("/v1/_slow")
    def slow(ctx: Context) -> dict[str, str]:
        audit.record(ctx, object_type="slow", object_id="s", action="ran")
        started.set()
        time.sleep(1.0)
        return {"done": "yes"}

    app.include_router(router)
    return app


def test_concurrent_duplicates_across_instances_run_once(
    settings, database_url: str, wall_clock, merchant: Merchant, is_postgres: bool
) -> None:
    """Two app instances with their own connection pools, like two processes."""
    from turnus.store.database import create_database_engine

    engines = [create_database_engine(database_url) for _ in range(2)]
    started = threading.Event()
    apps = [_slow_app(settings, e, wall_clock, started) for e in engines]
    headers = {**merchant.headers, "Idempotency-Key": "concurrent-1"}

    def call(index: int):
        with TestClient(apps[index], raise_server_exceptions=False) as client:
            if index == 1:
                started.wait(5)
            return client.post("/v1/_slow", json={}, headers=headers)

    try:
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(call, [0, 1])
    finally:
        for e in engines:
            e.dispose()
    assert first.status_code == 200
    if is_postgres:
        body = assert_problem(second, 409)
        assert body["type"] == "/problems/idempotency-request-in-progress"
    else:
        # SQLite serialises writers: the duplicate waits for the first to commit, then replays.
        assert second.status_code == 200 and second.headers["idempotent-replayed"] == "true"
    events = merchant.get("/v1/audit_events?object_type=slow").json()["data"]
    assert len(events) == 1


@pytest.mark.parametrize("n", [8])
def test_many_concurrent_duplicates_create_one_object(merchant: Merchant, n: int) -> None:
    headers = {"Idempotency-Key": "burst-1"}
    with ThreadPoolExecutor(4) as pool:
        responses = list(
            pool.map(
                lambda _: merchant.post("/v1/api_keys", json={"name": "burst"}, headers=headers),
                range(n),
            )
        )
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    assert {r.json()["id"] for r in created} == {created[0].json()["id"]}
    assert all(r.status_code in (201, 409) for r in responses)
    assert key_count(merchant) == 2


def test_expired_keys_can_be_reused(merchant: Merchant, engine: Engine, wall_clock) -> None:
    from datetime import timedelta

    first = merchant.post("/v1/api_keys", json={"name": "a"}, headers={"Idempotency-Key": "old"})
    wall_clock.moment += timedelta(hours=25)
    second = merchant.post("/v1/api_keys", json={"name": "b"}, headers={"Idempotency-Key": "old"})
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    with engine.connect() as connection:
        kept = connection.execute(
            text("SELECT count(*) FROM idempotency_keys WHERE tenant_id = :t"),
            {"t": merchant.tenant_id},
        ).scalar()
    assert kept == 1
