"""What every office list shares: a page of rows from the query string, and the same list
as a CSV or XLSX file (the whole filtered list, not one page)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, request

from wms.tabular import FORMATS, Column, write_table

PAGE_SIZE = 50
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class PageWindow:
    """The rows a page shows: `limit` rows from `offset`; `limit` None for a file."""

    number: int
    limit: int | None
    offset: int
    fmt: str | None

    def pages(self, total: int) -> int:
        """How many pages `total` rows make."""
        return max(1, -(-total // PAGE_SIZE))


def page_window() -> PageWindow:
    """The page the query string asks for (`?page=3`), or the whole list when it asks for
    a file (`?format=csv` or `xlsx`). A page number that is not one is the first page."""
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return PageWindow(1, None, 0, fmt)
    text = request.args.get("page", "1")
    number = int(text) if text.isdigit() and 0 < len(text) < 8 else 1
    number = min(max(number, 1), MAX_PAGE)
    return PageWindow(number, PAGE_SIZE, (number - 1) * PAGE_SIZE, None)


def file_response(fmt: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]],
                  name: str) -> Response:
    """The rows as a download named `name`.csv or `name`.xlsx."""
    body = write_table(fmt, columns, rows, title=name)
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = FORMATS["csv"]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def vary_on_htmx(body: str, status: int = 200) -> Response:
    """A page or its partial: the same URL answers both, so caches keep them apart."""
    response = Response(body, status=status)
    response.headers["Vary"] = "HX-Request"
    return response
