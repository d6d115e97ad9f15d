"""Running calls at the same moment on real threads, and watching the database meanwhile."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from wms.db import Database

T = TypeVar("T")

START_TIMEOUT_S = 30
FINISH_TIMEOUT_S = 120


def run_together(calls: Sequence[Callable[[], T]], *, seed: int,
                 max_jitter_s: float = 0.004) -> list[T]:
    """Start every call on its own thread at once (a barrier, then a seeded random delay of
    up to `max_jitter_s`), wait for all of them and return their results in call order.
    An exception in any call is re-raised here, after every thread has finished."""
    rng = random.Random(seed)
    delays = [rng.uniform(0, max_jitter_s) for _ in calls]
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    failures: list[tuple[int, BaseException]] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=START_TIMEOUT_S)
            time.sleep(delays[index])
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            failures.append((index, exc))

    threads = [threading.Thread(target=run, args=(i,), daemon=True, name=f"race-{i}")
               for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + FINISH_TIMEOUT_S
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0.1))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {FINISH_TIMEOUT_S} s: {stuck}"
    if failures:
        index, exc = failures[0]
        raise AssertionError(f"call {index} raised {exc!r}") from exc
    return results


@contextmanager
def watching(database_url: str, probe: Callable[[Session], T],
             interval_s: float = 0.002) -> Iterator[list[T]]:
    """Run `probe` over and over on a connection of its own while the block runs; yields the
    list its observations are appended to (at least one, taken after the block)."""
    database = Database(database_url)
    seen: list[T] = []
    stop = threading.Event()
    problems: list[BaseException] = []

    def look() -> None:
        with database.read() as session:
            seen.append(probe(session))

    def loop() -> None:
        try:
            while not stop.is_set():
                look()
                time.sleep(interval_s)
        except BaseException as exc:  # noqa: BLE001 - reported after the block
            problems.append(exc)

    watcher = threading.Thread(target=loop, daemon=True, name="watcher")
    watcher.start()
    try:
        yield seen
    finally:
        stop.set()
        watcher.join(timeout=FINISH_TIMEOUT_S)
        try:
            look()
        finally:
            database.dispose()
    assert not problems, f"the watcher failed: {problems[0]!r}"
