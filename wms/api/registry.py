"""The table of API v1 endpoints: each one's method, path, permission, body and handler.
The HTTP glue and the OpenAPI document are both built from this one table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from wms.auth import Caller
from wms.config import Settings
from wms.errors import Invalid
from wms.site_config import SiteConfig

Reply = tuple[int, Any]


@dataclass
class Call:
    """One API call as a handler sees it."""

    session: Session
    user: Caller
    settings: Settings
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = None
    site: SiteConfig = field(default_factory=SiteConfig)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Callable[[Call], Reply]
    permission: str
    summary: str
    body: type[BaseModel] | None = None
    success: int = 200
    errors: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    tag: str = "stock"
    read_only: bool = False

    @property
    def changes_state(self) -> bool:
        """Whether the call runs in a write transaction and honours Idempotency-Key."""
        return self.method != "GET" and not self.read_only

    @property
    def name(self) -> str:
        return self.handler.__name__


ENDPOINTS: list[Endpoint] = []


def api(method: str, path: str, *, permission: str, summary: str,
        body: type[BaseModel] | None = None, success: int = 200,
        errors: tuple[str, ...] = (), query: tuple[str, ...] = (), tag: str = "stock",
        read_only: bool = False) -> Callable[[Callable[[Call], Reply]], Callable[[Call], Reply]]:
    """Register a handler as an API v1 endpoint."""

    def register(handler: Callable[[Call], Reply]) -> Callable[[Call], Reply]:
        ENDPOINTS.append(Endpoint(method, path, handler, permission, summary, body, success,
                                  errors, query, tag, read_only))
        return handler

    return register


def path_int(call: Call, name: str) -> int:
    """A numeric path parameter, or Invalid."""
    text = call.params[name]
    if not text.isdigit() or len(text) > 18:
        raise Invalid(f"{name}: {text!r} is not a number", field=name)
    return int(text)
