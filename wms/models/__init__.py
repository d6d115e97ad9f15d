"""The persistent model: every table of the warehouse."""

from wms.models.base import Base, utcnow
from wms.models.catalog import Item, ItemBarcode, Lot
from wms.models.counting import Count, CountEntry, CountLocation
from wms.models.layout import LOCATION_KINDS, Location, Warehouse, Zone
from wms.models.partners import Customer, Supplier
from wms.models.people import ROLES, ApiToken, AuditEvent, IdempotencyRecord, User
from wms.models.purchasing import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from wms.models.sales import PickList, PickTask, SalesOrder, SalesOrderLine
from wms.models.stock import MOVE_KINDS, Move, StockBalance
from wms.models.transfers import Transfer, TransferLine

__all__ = [
    "LOCATION_KINDS", "MOVE_KINDS", "ROLES", "ApiToken", "AuditEvent", "Base", "Count",
    "CountEntry", "CountLocation", "Customer", "IdempotencyRecord", "Item", "ItemBarcode",
    "Location", "Lot", "Move", "PickList", "PickTask", "PurchaseOrder", "PurchaseOrderLine",
    "Receipt", "ReceiptLine", "SalesOrder", "SalesOrderLine", "StockBalance", "Supplier",
    "Transfer", "TransferLine", "User", "Warehouse", "Zone", "utcnow",
]
