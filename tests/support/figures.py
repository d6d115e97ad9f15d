"""Figures the fault and race tests see (requests, drops, kills, trials, lost, duplicated),
printed as each test ends and again in pytest's closing summary, so a note can quote them.
WMS_FIGURES_FILE names a file they are appended to as well. Under pytest-xdist each worker
hands its figures to the main process (`recorded`, `merge`), which prints the summary."""

from __future__ import annotations

import os
import threading
from pathlib import Path

_lock = threading.Lock()
RECORDED: list[str] = []
TALLIES: dict[str, dict[str, int]] = {}


def record(what: str, **figures: int | float | str) -> str:
    """Keep one line of figures: `what: name=value ...`; returns the line."""
    values = " ".join(f"{name}={value:.2f}" if isinstance(value, float) else f"{name}={value}"
                      for name, value in figures.items())
    line = f"{what}: {values}"
    with _lock:
        RECORDED.append(line)
        target = os.environ.get("WMS_FIGURES_FILE")
        if target:
            with Path(target).open("a", encoding="utf-8") as out:
                out.write(line + "\n")
    print(f"\n[figures] {line}", flush=True)
    return line


def tally(what: str, **counts: int) -> None:
    """Add one trial's counts to the running totals of `what` (printed in the summary)."""
    with _lock:
        totals = TALLIES.setdefault(what, {})
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count


def recorded() -> dict[str, object]:
    """This process's lines and totals, to send to the main process of a parallel run."""
    with _lock:
        return {"lines": list(RECORDED),
                "tallies": {what: dict(totals) for what, totals in TALLIES.items()}}


def merge(figures: dict[str, object]) -> None:
    """Take in another process's `recorded()` figures (lines kept, totals added up)."""
    lines = figures.get("lines", [])
    tallies = figures.get("tallies", {})
    assert isinstance(lines, list) and isinstance(tallies, dict)
    with _lock:
        RECORDED.extend(str(line) for line in lines)
    for what, counts in tallies.items():
        tally(str(what), **{str(name): int(count) for name, count in counts.items()})


def summary() -> list[str]:
    """Every recorded line, then the totals of the tallied trials."""
    with _lock:
        lines = list(RECORDED)
        for what, totals in TALLIES.items():
            lines.append(f"{what}: " + " ".join(f"{k}={v}" for k, v in totals.items()))
    target = os.environ.get("WMS_FIGURES_FILE")
    if target and TALLIES:
        with Path(target).open("a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines[len(RECORDED):])
    return lines
