"""Product names that have broken printing (tests/data/names.tsv): sku, name, and why."""

from __future__ import annotations

from pathlib import Path

NAMES: list[tuple[str, str, str]] = [
    (sku, name, why) for sku, name, why in
    (line.split("\t") for line in (Path(__file__).resolve().parents[1] / "data" / "names.tsv")
     .read_text(encoding="utf-8").splitlines()[1:] if line.strip())]
