"""Lists and reports of API v1: `{"rows": [...], "total": N}`, a window of `limit` rows
(default 50, at most 1000) from `offset`, and the whole list as a file with
`?format=csv` or `?format=xlsx` (the HTTP glue writes the file from the same rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wms.api.registry import Call, Reply, whole_number
from wms.errors import Invalid
from wms.tabular import FORMATS

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000

# The query parameters every list takes, with their OpenAPI schemas.
LIST_QUERY = ("limit", "offset", "format")
LIST_QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
              "default": DEFAULT_LIMIT},
    "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    "format": {"type": "string", "enum": ["json", *FORMATS],
               "description": "json (default), or the whole list as a csv (UTF-8 with "
                              "BOM) or xlsx file"},
}


@dataclass(frozen=True)
class Window:
    """Which rows of a list to answer: `limit` None means all of them (a file)."""

    limit: int | None
    offset: int


def window(call: Call) -> Window:
    """The window the query asks for; Invalid for a limit, offset or format out of range.
    A file (`format=csv` or `xlsx`) without a `limit` holds the whole list."""
    q = call.query
    fmt = q.get("format") or "json"
    if fmt not in ("json", *FORMATS):
        raise Invalid("format: json, csv or xlsx", field="format")
    limit_text, offset_text = q.get("limit"), q.get("offset")
    if limit_text:
        limit = whole_number(limit_text)
        if limit is None or not 1 <= limit <= MAX_LIMIT:
            raise Invalid(f"limit: a whole number from 1 to {MAX_LIMIT}", field="limit")
    else:
        limit = None if fmt in FORMATS else DEFAULT_LIMIT
    offset = 0
    if offset_text:
        number = whole_number(offset_text)
        if number is None or number > MAX_OFFSET:
            raise Invalid(f"offset: a whole number from 0 to {MAX_OFFSET}", field="offset")
        offset = number
    return Window(limit, offset)


def rows_reply(rows: Sequence[Any], total: int) -> Reply:
    """The answer of a list: 200 with its rows and how many the whole list holds."""
    return 200, {"rows": list(rows), "total": total}
