"""Every action the services record in the audit trail has a label in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

from terminal_ui.office.audit import ACTION_LABELS
from wms.imports import KINDS

ROOT = Path(__file__).resolve().parents[2]
RECORDED = re.compile(r"record\(\s*\w+,\s*[\w.]+,\s*\"([a-z_]+\.[a-z_.-]+)\"")


def test_every_recorded_action_has_a_label() -> None:
    actions = {action for path in (ROOT / "wms").rglob("*.py")
               for action in RECORDED.findall(path.read_text(encoding="utf-8"))}
    actions |= {f"import.{kind}" for kind in KINDS}
    assert len(actions) > 30
    assert sorted(actions - set(ACTION_LABELS)) == []
