"""How long the fault and race tests run: bounded sizes in CI, long runs under
`make torture` (WMS_TORTURE=1). Any size can be set on its own, e.g. WMS_FAULT_MOVES=500."""

from __future__ import annotations

import os

TORTURE = os.environ.get("WMS_TORTURE") == "1"


def size(name: str, ci: int, torture: int) -> int:
    """The size `name` (read from WMS_<NAME> when set), else the CI or the torture size."""
    value = os.environ.get(f"WMS_{name.upper()}")
    if value:
        return int(value)
    return torture if TORTURE else ci
