"""The fields of an item as people and programs give them: what each may hold, and every
problem of a change named field by field (a code a page translates, and English)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from wms.errors import Invalid
from wms.models.catalog import FORECAST_METHODS

MAX_WHOLE = 1_000_000_000
MAX_COST = Decimal("9999999999.9999")
# Texts: field -> (shortest, longest); a shortest of 0 means the field may be cleared.
TEXTS = {"name": (1, 200), "name_en": (0, 200), "name_zh": (0, 200), "uom": (1, 16),
         "category": (0, 64), "zone_code": (0, 20)}
# Whole numbers: field -> (least, most, may be cleared).
WHOLES = {
    "safety_stock": (0, MAX_WHOLE, True), "reorder_point": (0, MAX_WHOLE, True),
    "min_qty": (0, MAX_WHOLE, True), "max_qty": (0, MAX_WHOLE, True),
    "lead_time_days": (0, 3650, True), "min_shelf_life_days": (0, 36500, True),
    "pack_size": (1, 100_000, False), "review_period_days": (1, 3650, False),
    "demand_window_days": (1, 3650, False),
}
# Decimals: field -> (least, most, places).
DECIMALS = {"unit_cost": (Decimal(0), MAX_COST, 4),
            "instability_factor": (Decimal(0), Decimal(999), 3)}
CHOICES = {"tracking": ("none", "lot"), "abc_class": ("A", "B", "C"),
           "forecast_method": FORECAST_METHODS}
FLAGS = ("expiry", "active")
CODES = ("barcodes", "case_barcodes")
# Every field an item's form or body may carry, in the order the office shows them.
EDITABLE = ("name", "name_zh", "name_en", "category", "uom", "tracking", "expiry",
            "min_shelf_life_days", "barcodes", "pack_size", "case_barcodes", "unit_cost",
            "supplier", "lead_time_days", "review_period_days", "instability_factor",
            "demand_window_days", "forecast_method", "safety_stock", "reorder_point",
            "min_qty", "max_qty", "home_location", "zone_code", "abc_class", "active")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: a code a page translates, its figures, and English."""

    field: str
    code: str
    message: str
    figures: dict[str, Any] = dataclasses.field(default_factory=dict)


class InvalidItem(Invalid):
    """One or more fields of an item are wrong; `problems` names each of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems),
                         field=first.field)
        self.problems = list(problems)


NULLABLE = ({n for n, (least, _most) in TEXTS.items() if least == 0}
            | {n for n, (_l, _m, clears) in WHOLES.items() if clears}
            | {"abc_class", "supplier", "home_location"})


def normal_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Texts stripped; an empty value clears a field that may be empty; None leaves a field
    that may not be empty as it is."""
    normal = {}
    for name, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if name in NULLABLE and value == "":
            value = None
        if value is None and name not in NULLABLE:
            continue
        normal[name] = value
    return normal


def _required(name: str, value: Any) -> Problem | None:
    return Problem(name, "required", "required") if value == "" else None


def _text_problem(name: str, value: Any) -> Problem | None:
    longest = TEXTS[name][1]
    if value is None or value == "":
        return _required(name, value)
    if not isinstance(value, str):
        return Problem(name, "text", "a text")
    if len(value) > longest:
        return Problem(name, "too_long", f"at most {longest} characters", {"most": longest})
    return None


def _whole_problem(name: str, value: Any) -> Problem | None:
    least, most, _clears = WHOLES[name]
    if value is None or value == "":
        return _required(name, value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        return Problem(name, "whole_number", f"a whole number from {least} to {most}",
                       {"least": least, "most": most})
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _decimal_problem(name: str, value: Any) -> Problem | None:
    least, most, places = DECIMALS[name]
    if value == "":
        return _required(name, value)
    number = _decimal(value)
    if number is None or not least <= number <= most \
            or number != number.quantize(Decimal(1).scaleb(-places)):
        return Problem(name, "decimal", f"a number from {least} to {most} with at most "
                       f"{places} decimal places", {"least": str(least), "most": str(most),
                                                    "places": places})
    return None


def barcode_list(value: Any) -> list[str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        return None
    return list(dict.fromkeys(c.strip() for c in value if c.strip()))


def field_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every field of `data` (as `_normal` leaves it) that is not what an item takes."""
    problems: list[Problem | None] = []
    for name, value in data.items():
        if name in TEXTS:
            problems.append(_text_problem(name, value))
        elif name in WHOLES:
            problems.append(_whole_problem(name, value))
        elif name in DECIMALS:
            problems.append(_decimal_problem(name, value))
        elif name in CHOICES:
            if value is not None and value not in CHOICES[name]:
                problems.append(Problem(name, "choice", "one of " + ", ".join(CHOICES[name]),
                                        {"choices": ", ".join(CHOICES[name])}))
        elif name in FLAGS:
            if not isinstance(value, bool):
                problems.append(Problem(name, "flag", "true or false"))
        elif name in CODES:
            codes = barcode_list(value)
            if codes is None or any(len(c) > 64 for c in codes):
                problems.append(Problem(name, "barcodes", "each barcode 1 to 64 characters"))
    return [p for p in problems if p is not None]
