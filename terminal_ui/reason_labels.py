"""Reason codes (wms.reasons) as the reader's language names them: the pages submit the code
and show this label; the books keep the code."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

LABELS: dict[str, LazyString] = {
    "damaged": _l("Damaged"),
    "broken": _l("Broken in handling"),
    "expired": _l("Expired"),
    "short_shelf_life": _l("Short shelf life"),
    "wrong_item": _l("Wrong item"),
    "contaminated": _l("Contaminated"),
    "missing_label": _l("Label missing"),
    "quality": _l("Quality problem"),
    "lost": _l("Lost"),
    "unwanted": _l("No longer wanted"),
    "surplus": _l("Surplus stock"),
    "other": _l("Other"),
    "cycle_count": _l("Cycle count"),
    "opening_stock": _l("Opening stock"),
}


def reason_choices(codes: Sequence[str]) -> dict[str, LazyString]:
    """The buttons of a reason step: code -> label, in the order given."""
    return {code: LABELS[code] for code in codes}


def reason_label(code: str | None, note: str | None = None) -> str:
    """A stored reason in the reader's language, its note after it. Text stored before
    reasons were codes is shown as it was written."""
    if not code:
        return note or ""
    label = str(LABELS[code]) if code in LABELS else code
    return _("%(reason)s: %(note)s", reason=label, note=note) if note else label
