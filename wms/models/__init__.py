"""The persistent model: every table of the warehouse."""

from wms.models.base import Base, utcnow
from wms.models.catalog import Item, ItemBarcode, Lot
from wms.models.counting import Count, CountEntry, CountLocation
from wms.models.layout import LOCATION_KINDS, Location, Warehouse, Zone
from wms.models.partners import Customer, Supplier
from wms.models.people import (
    ROLES,
    ApiToken,
    AuditEvent,
    IdempotencyRecord,
    SignInCounter,
    User,
)
from wms.models.printing import JOB_STATUSES, PrintJob
from wms.models.purchasing import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from wms.models.returns import RETURN_KINDS, StockReturn, StockReturnLine
from wms.models.sales import PickList, PickTask, SalesOrder, SalesOrderLine
from wms.models.stations import StationEvent, StationState
from wms.models.stock import MOVE_KINDS, Move, StockBalance
from wms.models.transfers import Transfer, TransferLine

__all__ = [
    "ApiToken", "AuditEvent", "Base", "Count", "CountEntry", "CountLocation", "Customer",
    "IdempotencyRecord", "Item", "ItemBarcode", "JOB_STATUSES", "LOCATION_KINDS", "Location",
    "Lot", "MOVE_KINDS", "Move", "PickList", "PickTask", "PrintJob", "PurchaseOrder",
    "PurchaseOrderLine", "RETURN_KINDS", "ROLES", "Receipt", "ReceiptLine", "SalesOrder",
    "SalesOrderLine", "SignInCounter", "StationEvent", "StationState", "StockBalance",
    "StockReturn", "StockReturnLine", "Supplier", "Transfer", "TransferLine", "User",
    "Warehouse", "Zone", "utcnow",
]
