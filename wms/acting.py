"""Who is acting right now: the device a request comes from and the warehouses its person
may work in. The entry points (the pages, the API dispatcher) set it once per request; the
audit trail and the location lookup read it, so no service signature has to carry it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from wms.errors import WarehouseNotAllowed

DEVICE_LENGTH = 64


@dataclass(frozen=True)
class Acting:
    """The device of the current request, and the warehouse codes its person may work in
    (None: every warehouse)."""

    device: str | None = None
    warehouses: frozenset[str] | None = None


NOBODY = Acting()
_CURRENT: ContextVar[Acting | None] = ContextVar("wms_acting", default=None)


def current() -> Acting:
    """The device and warehouses of the request being served (nothing outside one)."""
    return _CURRENT.get() or NOBODY


def warehouse_codes(text: str | None) -> frozenset[str] | None:
    """The stored form of a user's warehouses (codes separated by spaces; None = all) as
    a set."""
    return None if text is None else frozenset(text.split())


@contextmanager
def acting(device: str | None, warehouses: frozenset[str] | None = None) -> Iterator[Acting]:
    """Run the block as coming from `device`, by a person who may work in `warehouses`."""
    token = _CURRENT.set(Acting(device[:DEVICE_LENGTH] if device else None, warehouses))
    try:
        yield current()
    finally:
        _CURRENT.reset(token)


def begin(device: str | None, warehouses: frozenset[str] | None = None) -> object:
    """Start acting as `device` until `end(token)`: for entry points whose start and end
    are separate hooks (a web request's before and teardown)."""
    return _CURRENT.set(Acting(device[:DEVICE_LENGTH] if device else None, warehouses))


def end(token: object) -> None:
    """Stop what `begin` started."""
    _CURRENT.reset(token)  # type: ignore[arg-type]


def may_work_everywhere() -> bool:
    """Whether the person acting may work in every warehouse (no list is set)."""
    return current().warehouses is None


def check_warehouse_code_allowed(code: str, location: str | None = None) -> None:
    """WarehouseNotAllowed when the person acting may not work in the warehouse `code`."""
    allowed = current().warehouses
    if allowed is not None and code not in allowed:
        where = f" (location {location})" if location else ""
        raise WarehouseNotAllowed(f"you may not work in warehouse {code}{where}",
                                  warehouse=code, location=location or code)


class InWarehouse(Protocol):
    """A location as the check needs it (a Location record, or one read as columns)."""

    @property
    def code(self) -> str: ...

    @property
    def warehouse_code(self) -> str: ...


def check_warehouse_allowed(*locations: InWarehouse) -> None:
    """WarehouseNotAllowed when the person acting may not work in a location's warehouse
    (User.warehouses); everyone may where no list is set, and then nothing is read."""
    if current().warehouses is None:
        return
    for location in locations:
        check_warehouse_code_allowed(location.warehouse_code, location.code)
