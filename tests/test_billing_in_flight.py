"""Batches in flight side by side: results in order, never more at once than asked, and a
failure stops what has not started."""

from __future__ import annotations

import threading
import time

import pytest

from turnus.services.billing.in_flight import in_threads


def test_results_come_in_order_with_at_most_the_given_number_running() -> None:
    lock = threading.Lock()
    running = 0
    most = 0

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01 * (n % 3))  # later items may finish first
        with lock:
            running -= 1
        return n * n

    assert list(in_threads(work, range(12), 2)) == [n * n for n in range(12)]
    assert most == 2
    assert list(in_threads(work, range(5), 1)) == [0, 1, 4, 9, 16]


def test_a_failure_is_raised_in_turn_and_stops_what_has_not_started() -> None:
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        if n == 2:
            raise RuntimeError("batch 2 failed")
        return n

    results: list[int] = []
    with pytest.raises(RuntimeError, match="batch 2 failed"):
        for result in in_threads(work, range(10), 2):
            results.append(result)
    assert results == [0, 1]
    assert max(started) <= 3  # the one beside the failed batch ran; none after it


def test_threads_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(in_threads(lambda n: n, [1], 0))
