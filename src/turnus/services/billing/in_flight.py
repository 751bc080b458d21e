"""Batches of a billing run in flight side by side in threads of one process.

On PostgreSQL a batch spends a large part of its time waiting for the server (reading the
contracts, then writing its rows and committing); the driver releases the interpreter
meanwhile, so a second batch can compute while the first one writes. Each batch has its own
connection and transaction, exactly as with worker processes; two batches meet only at the
number series, whose lock the later one waits for (see ``numbering``)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_threads(work: Callable[[T], R], items: Iterable[T], threads: int) -> Iterator[R]:
    """``work`` of each item, at most ``threads`` at once, yielded in the items' order. The
    first failure is raised when its turn comes; items not yet started are then dropped, and
    those already running finish (a batch is one transaction: it commits or rolls back
    whole)."""
    if threads < 1:
        raise ValueError("threads must be at least 1")
    if threads == 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="billing-batch") as pool:
        running: deque[Future[R]] = deque()
        try:
            for item in items:
                running.append(pool.submit(work, item))
                if len(running) >= threads:
                    yield running.popleft().result()
            while running:
                yield running.popleft().result()
        finally:
            for future in running:
                future.cancel()
