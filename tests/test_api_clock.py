"""Tenant clocks: reading, advancing sandboxes, running due work in due order."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_ACTOR, Merchant, assert_problem
from turnus.services import audit, scheduler
from turnus.services.context import TenantContext
from turnus.services.uow import UnitOfWork

RAN: list[tuple[str, datetime]] = []


@scheduler.task_handler("test.record")
def _record(ctx: TenantContext, payload: dict) -> None:
    RAN.append((payload["name"], ctx.now()))
    audit.record(ctx, object_type="test", object_id=payload["name"], action="ran")
    if payload.get("then"):
        scheduler.schedule(
            ctx, "test.record", ctx.now() + timedelta(days=1), {"name": payload["then"]}
        )


@scheduler.task_handler("test.fail")
def _fail(ctx: TenantContext, payload: dict) -> None:
    audit.record(ctx, object_type="test", object_id="failing", action="partial")
    raise ValueError("card declined")


@pytest.fixture(autouse=True)
def _clear() -> None:
    RAN.clear()


def schedule(engine, wall_clock, tenant_id: str, kind: str, due: datetime, **payload) -> None:
    with UnitOfWork(engine) as uow:
        ctx = TenantContext(uow=uow, tenant_id=tenant_id, actor=TEST_ACTOR, wall_clock=wall_clock)
        scheduler.schedule(ctx, kind, due, payload)


def test_read_clock(merchant: Merchant, wall_clock) -> None:
    body = merchant.get("/v1/clock").json()
    assert body["mode"] == "sandbox" and body["frozen"] is True
    assert datetime.fromisoformat(body["now"]) == wall_clock.now()
    assert body["now"].endswith("+01:00")  # Europe/Berlin in November
    assert body["today"] == "2026-11-25"


def test_sandbox_clock_stays_frozen_while_real_time_passes(merchant: Merchant, wall_clock) -> None:
    start = merchant.get("/v1/clock").json()["now"]
    wall_clock.moment += timedelta(hours=5)
    assert merchant.get("/v1/clock").json()["now"] == start


def test_advance_runs_due_tasks_in_due_order_at_their_time(
    merchant: Merchant, engine, wall_clock
) -> None:
    base = wall_clock.now()
    schedule(
        engine, wall_clock, merchant.tenant_id, "test.record", base + timedelta(days=10), name="b"
    )
    schedule(
        engine,
        wall_clock,
        merchant.tenant_id,
        "test.record",
        base + timedelta(days=3),
        name="a",
        then="a-next",
    )
    schedule(
        engine,
        wall_clock,
        merchant.tenant_id,
        "test.record",
        base + timedelta(days=60),
        name="later",
    )
    target = base + timedelta(days=30)
    response = merchant.post("/v1/clock/advance", json={"to": target.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [t["kind"] for t in body["tasks"]] == ["test.record"] * 3
    assert [
        ("a", base + timedelta(days=3)),
        ("a-next", base + timedelta(days=4)),
        ("b", base + timedelta(days=10)),
    ] == RAN
    assert datetime.fromisoformat(body["now"]) == target
    assert datetime.fromisoformat(merchant.get("/v1/clock").json()["now"]) == target
    # The audit events of the tasks carry the tenant time at which each ran.
    events = merchant.get("/v1/audit_events?object_type=test").json()["data"]
    times = sorted(datetime.fromisoformat(e["tenant_time"]) for e in events)
    assert times == [base + timedelta(days=d) for d in (3, 4, 10)]
    assert all(datetime.fromisoformat(e["wall_time"]) == base for e in events)


def test_failing_task_is_recorded_and_does_not_stop_the_advance(
    merchant: Merchant, engine, wall_clock
) -> None:
    base = wall_clock.now()
    schedule(engine, wall_clock, merchant.tenant_id, "test.fail", base + timedelta(days=1))
    schedule(
        engine, wall_clock, merchant.tenant_id, "test.record", base + timedelta(days=2), name="ok"
    )
    body = merchant.post(
        "/v1/clock/advance", json={"to": (base + timedelta(days=5)).isoformat()}
    ).json()
    states = [(t["kind"], t["state"], t["error"]) for t in body["tasks"]]
    assert states == [
        ("test.fail", "failed", "ValueError: card declined"),
        ("test.record", "done", None),
    ]
    partial = merchant.get("/v1/audit_events?object_id=failing").json()["data"]
    assert partial == []  # the failed task's writes were rolled back


def test_clock_never_moves_backwards(merchant: Merchant, wall_clock) -> None:
    past = (wall_clock.now() - timedelta(seconds=1)).isoformat()
    assert_problem(merchant.post("/v1/clock/advance", json={"to": past}), 422, "/to")
    assert_problem(
        merchant.post("/v1/clock/advance", json={"to": "2027-01-01T00:00:00"}), 422, "/to"
    )
    assert_problem(merchant.post("/v1/clock/advance", json={"to": "tomorrow"}), 422, "/to")


def test_live_clocks_cannot_travel(live_merchant: Merchant, wall_clock) -> None:
    body = live_merchant.get("/v1/clock").json()
    assert body["mode"] == "live" and body["frozen"] is False
    target = (wall_clock.now() + timedelta(days=1)).isoformat()
    assert_problem(live_merchant.post("/v1/clock/advance", json={"to": target}), 409)
    wall_clock.moment += timedelta(hours=2)
    assert datetime.fromisoformat(live_merchant.get("/v1/clock").json()["now"]) == wall_clock.now()


def test_advance_is_audited(merchant: Merchant, wall_clock) -> None:
    target = datetime(2027, 2, 1, tzinfo=UTC)
    merchant.post("/v1/clock/advance", json={"to": target.isoformat()})
    event = merchant.get("/v1/audit_events?object_type=clock").json()["data"][0]
    assert event["action"] == "advanced"
    assert datetime.fromisoformat(event["after"]["now"]) == target
    assert datetime.fromisoformat(event["tenant_time"]) == target
