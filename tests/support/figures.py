"""Figures the fault and race tests see (requests, drops, kills, trials, lost, duplicated),
printed as each test ends and again in pytest's closing summary, so a note can quote them.
WMS_FIGURES_FILE names a file they are appended to as well."""

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
