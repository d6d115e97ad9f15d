"""Domain errors: each carries the API error code and HTTP status it maps to."""

from __future__ import annotations


class WmsError(Exception):
    """Base of every error a service raises on purpose; nothing has changed when it is raised."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(WmsError):
    """Malformed or out-of-range input; the message names the field."""

    code, status = "invalid", 422


class UnknownItem(WmsError):
    code, status = "unknown_item", 404


class UnknownLocation(WmsError):
    code, status = "unknown_location", 404


class UnknownOrder(WmsError):
    code, status = "unknown_order", 404


class UnknownCount(WmsError):
    code, status = "unknown_count", 404


class UnknownRecord(WmsError):
    """Any other missing record (supplier, customer, pick task, transfer, user)."""

    code, status = "not_found", 404


class InsufficientStock(WmsError):
    code, status = "insufficient_stock", 409


class OverReceipt(WmsError):
    code, status = "over_receipt", 409


class OverReturn(WmsError):
    """More units returned than the order shipped of the item, less what came back already."""

    code, status = "over_return", 409


class ExpiredLot(WmsError):
    """A lot past its expiry date offered for receipt: quarantine it, or a supervisor
    overrides."""

    code, status = "expired_lot", 409


class ShortShelfLife(WmsError):
    """A lot with fewer days left than the item's minimum shelf life on receipt."""

    code, status = "short_shelf_life", 409


class WrongLocationScanned(WmsError):
    code, status = "wrong_location", 409


class WrongItemScanned(WmsError):
    code, status = "wrong_item", 409


class WrongLotScanned(WmsError):
    code, status = "wrong_lot", 409


class UnexpectedScan(WmsError):
    """A scan that is not what the step asks for: `expected` names the step's field (lot,
    expiry, quantity), `kind` what the scan is (location, item_barcode, badge, order, ...)."""

    code, status = "unexpected_scan", 422


class LocationFull(WmsError):
    code, status = "location_full", 409


class LocationBlocked(WmsError):
    code, status = "location_blocked", 409


class Conflict(WmsError):
    """The request does not fit the record's current state (e.g. shipping an unpicked order)."""

    code, status = "conflict", 409


class IdempotencyKeyReused(WmsError):
    code, status = "idempotency_key_reused", 409


class Unauthorized(WmsError):
    code, status = "unauthorized", 401


class Forbidden(WmsError):
    code, status = "forbidden", 403


class WarehouseNotAllowed(Forbidden):
    """A bin or dock of a warehouse the person may not work in."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached now (its server stopped or out of reach, the
    connection lost, a SQLite file or its folder that cannot be opened). Not a WmsError: no
    step turns it into a refusal of the scan, the pages and the API answer 503 and the
    client sends the same request again later; nothing has changed when it is raised."""

    code, status = "database_unavailable", 503
