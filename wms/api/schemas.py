"""Request bodies of API v1, validated field by field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from wms.reasons import (
    CUSTOMER_RETURN_REASONS,
    INSPECTION_REASONS,
    MEANINGS,
    NOTE_LENGTH,
    SCRAP_REASONS,
    SUPPLIER_RETURN_REASONS,
)

# Every whole number a body carries stays within this, so it fits every column's integer.
MAX_INT = 1_000_000_000


def _whole_number(value: Any) -> Any:
    """JSON has one kind of number: 12.0 is the whole number 12 (12.5 stays refused, and so
    do "12" and true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _iso_text(value: Any) -> Any:
    """Dates and times are ISO 8601 strings, never numbers (a count of seconds)."""
    if value is not None and not isinstance(value, str):
        raise ValueError("an ISO 8601 string")
    return value


WHOLE = BeforeValidator(_whole_number)
Qty = Annotated[int, Field(strict=True, gt=0, le=MAX_INT), WHOLE]
CountedQty = Annotated[int, Field(strict=True, ge=0, le=MAX_INT), WHOLE]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_INT), WHOLE]
Flag = Annotated[bool, Field(strict=True)]
Day = Annotated[date, BeforeValidator(_iso_text)]
Moment = Annotated[datetime, BeforeValidator(_iso_text)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
# Text of fields stored in shorter columns.
Text20 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
Text32 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
Text64 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
OrderNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=40)]
OptionalLot = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NOTE_LENGTH),
                 Field(description="Free text beside the reason; needed when it is `other`")]


def _reason_field(codes: tuple[str, ...], what: str) -> Any:
    """The OpenAPI description of a reason code field: one of `codes` (checked by the
    service, which names the codes in its 422 answer), each with its meaning."""
    meanings = "; ".join(f"`{code}`: {MEANINGS[code]}" for code in codes)
    return Field(description=f"Why {what}, as a reason code: {meanings}",
                 json_schema_extra={"enum": list(codes)})


ScrapReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64),
                        _reason_field(SCRAP_REASONS, "the units are scrapped")]
InspectionReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64),
                             _reason_field(INSPECTION_REASONS, "the goods are quarantined or "
                                           "rejected (needed unless they are accepted)")]

CustomerReturnReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64),
                                 _reason_field(CUSTOMER_RETURN_REASONS,
                                               "the customer sent the goods back")]
SupplierReturnReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64),
                                 _reason_field(SUPPLIER_RETURN_REASONS,
                                               "the goods go back to the supplier")]


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_character(cls, value: Any) -> Any:
        """No text stores a NUL character (PostgreSQL cannot, and no code or name has one)."""
        if _holds_nul(value):
            raise ValueError("text may not hold the NUL character (\\u0000)")
        return value


class ItemBody(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200)] | None = None
    name_en: Text | None = None
    name_zh: Text | None = None
    barcodes: list[Code] | None = None
    uom: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    tracking: Literal["none", "lot"] | None = None
    expiry: Flag | None = None
    unit_cost: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)] | None = None
    category: Text64 | None = None
    abc_class: Literal["A", "B", "C"] | None = None
    safety_stock: Count | None = None
    reorder_point: Count | None = None
    min_qty: Count | None = None
    max_qty: Count | None = None
    lead_time_days: Annotated[int, Field(strict=True, ge=0, le=3650), WHOLE] | None = None
    pack_size: Annotated[int, Field(strict=True, gt=0, le=100_000), WHOLE] | None = None
    home_location: Code | None = None
    zone_code: Text20 | None = None
    # null: the configured default (only lots already expired are held back)
    min_shelf_life_days: Annotated[int, Field(strict=True, ge=0, le=36500),
                                  WHOLE] | None = None
    case_barcodes: list[Code] | None = Field(
        None, description="Codes of a case: one scan counts pack_size units")
    supplier: Code | None = Field(None, description="The default supplier's code")
    review_period_days: Annotated[int, Field(strict=True, ge=1, le=3650), WHOLE] | None = None
    instability_factor: Annotated[Decimal, Field(ge=0, le=999, max_digits=6,
                                                 decimal_places=3)] | None = None
    demand_window_days: Annotated[int, Field(strict=True, ge=1, le=3650), WHOLE] | None = None
    forecast_method: Literal["moving_average", "exp_smoothing", "auto"] | None = Field(
        None, description="How the replenishment forecasts the daily demand: moving_average "
        "(of demand_window_days, the default), exp_smoothing (alpha 0.3 over the last 90 "
        "days) or auto (whichever has the smaller MAPE over the last 90 days)")
    active: Flag | None = None


class LocationBody(Body):
    warehouse: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    zone: Annotated[str, StringConstraints(max_length=20)] | None = None
    kind: Literal["storage", "dock", "staging", "packing", "quarantine"] | None = None
    capacity: Count | None = None
    walk_seq: Count | None = None
    blocked: Flag | None = None


class SupplierBody(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    contact: Text | None = None
    phone: Text64 | None = None
    email: Text | None = None
    lead_time_days: Annotated[int, Field(strict=True, ge=0, le=3650), WHOLE] | None = None
    notes: Annotated[str, StringConstraints(max_length=4000)] | None = None
    tier: Text32 | None = None
    active: Flag | None = None


class CustomerBody(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    tier: Text32 | None = None
    contact: Text | None = None
    phone: Text64 | None = None
    address: Annotated[str, StringConstraints(max_length=1000)] | None = None
    email: Text | None = None
    notes: Annotated[str, StringConstraints(max_length=4000)] | None = None
    active: Flag | None = None


class OrderLine(Body):
    sku: Code
    qty: Qty
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)] | None = None


class PurchaseOrderBody(Body):
    number: OrderNumber
    supplier: Code
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=1000)]
    expected_date: Day | None = None
    warehouse: Code | None = None


class PurchaseOrderChangeBody(Body):
    """An edit of an open purchase order: the fields given change (`lines` replace all the
    lines; `expected_date` null clears it; `warehouse` "" clears it)."""

    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=1000)] | None = None
    expected_date: Day | None = None
    warehouse: Annotated[str, StringConstraints(strip_whitespace=True,
                                                max_length=64)] | None = None


class CancelBody(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200)]


class SalesOrderBody(Body):
    number: OrderNumber
    customer: Code
    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=1000)]
    warehouse: Code | None = None
    ship_to: Annotated[str, StringConstraints(max_length=1000)] | None = None


class ReceiptLineBody(Body):
    sku: Code
    qty: Qty
    lot: OptionalLot = None
    expiry: Day | None = None
    disposition: Literal["accept", "quarantine", "reject"] = "accept"
    reason: InspectionReason | None = None
    note: Note | None = None
    # accept an expired or short-dated lot anyway (supervisor or admin; audited)
    override_expiry: Flag = False


class ReceiptBody(Body):
    location: Code
    purchase_order: Code | None = None
    lines: Annotated[list[ReceiptLineBody], Field(min_length=1, max_length=1000)]


class PutawayBody(Body):
    sku: Code
    qty: Qty
    lot: OptionalLot = None
    from_: Code | None = Field(default=None, alias="from")
    warehouse: Code | None = None


class MoveBody(Body):
    sku: Code
    qty: Qty
    from_: Code = Field(alias="from")
    to: Code
    lot: OptionalLot = None


class PickConfirmBody(Body):
    location: Code
    sku: Code
    qty: Qty
    lot: OptionalLot = None


class CountBody(Body):
    locations: Annotated[list[Code], Field(min_length=1, max_length=1000)]


class CountEntryBody(Body):
    location: Code
    sku: Code
    qty: CountedQty
    lot: OptionalLot = None


class TransferLineBody(Body):
    sku: Code
    qty: Qty
    from_: Code = Field(alias="from")
    lot: OptionalLot = None


class TransferBody(Body):
    from_warehouse: Code
    to_warehouse: Code
    lines: Annotated[list[TransferLineBody], Field(min_length=1, max_length=1000)]


class TransferReceiveBody(Body):
    location: Code


class ScrapBody(Body):
    sku: Code
    qty: Qty
    location: Code
    reason: ScrapReason
    lot: OptionalLot = None
    note: Note | None = None


class StationScanBody(Body):
    raw: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    device: Code | None = None
    scanned_at: Moment | None = None
    # "repeat": a presentation-mode scanner read the same code again and the bridge did not
    # count it; the station records that it was seen and changes nothing.
    ignored: Literal["repeat"] | None = None


# Why a station's scanner is connected or not, as the scanner bridge reports it.
ScannerReason = Literal["opened", "in_use", "permission_denied", "no_device", "cannot_open",
                        "lost"]


class StationDeviceBody(Body):
    device: Code
    state: Literal["connected", "disconnected"]
    reason: ScannerReason | None = None
    detail: Annotated[str, StringConstraints(max_length=500)] = ""
    at: Moment | None = None


class CustomerReturnLineBody(Body):
    sku: Code
    qty: Qty
    lot: OptionalLot = None
    disposition: Literal["restock", "quarantine", "scrap"]
    reason: CustomerReturnReason
    note: Note | None = None


class CustomerReturnBody(Body):
    customer: Code
    sales_order: OrderNumber | None = None
    location: Code
    lines: Annotated[list[CustomerReturnLineBody], Field(min_length=1, max_length=1000)]


class SupplierReturnLineBody(Body):
    sku: Code
    qty: Qty
    lot: OptionalLot = None
    from_: Code = Field(alias="from")
    reason: SupplierReturnReason
    note: Note | None = None


class SupplierReturnBody(Body):
    supplier: Code
    purchase_order: OrderNumber | None = None
    lines: Annotated[list[SupplierReturnLineBody], Field(min_length=1, max_length=1000)]


class QuarantineReleaseBody(Body):
    sku: Code
    qty: Qty
    lot: OptionalLot = None
    from_: Code = Field(alias="from")
    to: Code
