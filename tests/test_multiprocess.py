"""Idempotency across real server processes sharing one database."""

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import Merchant


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def servers(database_url: str, engine) -> list[str]:
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "turnus.api.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env={"TURNUS_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 30
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the test servers did not start")
                time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def test_duplicates_across_processes_create_exactly_one_object(
    merchant: Merchant, servers: list[str]
) -> None:
    headers = {**merchant.headers, "Idempotency-Key": "multi-process-1"}

    def call(index: int) -> httpx.Response:
        return httpx.post(
            f"{servers[index % 2]}/v1/api_keys",
            json={"name": "parallel"},
            headers=headers,
            timeout=30,
        )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(call, range(16)))
    assert {r.status_code for r in responses} <= {201, 409}
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    listed = httpx.get(f"{servers[0]}/v1/api_keys?limit=100", headers=merchant.headers).json()
    assert [k["name"] for k in listed["data"]].count("parallel") == 1
    # after the first finished, every retry on either process replays the same answer
    replay = httpx.post(f"{servers[1]}/v1/api_keys", json={"name": "parallel"}, headers=headers)
    assert replay.status_code == 201 and replay.json()["id"] in created
    assert replay.headers["idempotent-replayed"] == "true"
