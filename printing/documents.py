"""The documents the warehouse prints, each built from plain data (the JSON a print job
carries): bin label, item/lot label, LPN/SSCC label, shipping label, packing slip and
receiving note."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from printing.gs1 import element_string, is_gtin, lot_fits
from printing.layout import (
    Barcode,
    Block,
    DataMatrix,
    Document,
    Feed,
    QRCode,
    Row,
    Rule,
    Text,
)
from wms.config import load_settings


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def local_time(value: Any, zone: str) -> str:
    """An instant from a job's data ("2026-11-28T18:30:00+00:00") as the warehouse's clock
    reads it in `zone`: "2026-11-29 02:30". Jobs queued before instants carried their offset
    say "2026-11-28 18:30 UTC"; a time without any zone is printed as it is."""
    text = str(value).strip()
    legacy_utc = text.endswith(" UTC")
    try:
        instant = datetime.fromisoformat(text.removesuffix(" UTC"))
    except ValueError:
        return text
    if legacy_utc and instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    if instant.tzinfo is None:
        return text
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def bin_label(data: Mapping[str, Any]) -> Document:
    """A bin label: the location code large and as a Code 128 barcode."""
    code = str(data["code"])
    where = " · ".join(str(data[k]) for k in ("warehouse", "zone") if data.get(k))
    blocks: list[Block] = [Text(code, size="huge", bold=True, align="center"),
                           Barcode(code, human=code, height=100)]
    if where:
        blocks.append(Text(where, align="center"))
    return Document("bin_label", f"货位 Bin {code}", tuple(blocks), label=True)


def lot_label(data: Mapping[str, Any]) -> Document:
    """An item/lot label: SKU, name, lot and expiry, with a GS1 DataMatrix of GTIN, expiry
    and lot when the item has a GTIN (GS1-128 of those is wider than the paper) and a Code 128
    of the SKU otherwise."""
    sku, name = str(data["sku"]), str(data.get("name") or "")
    lot, expiry = data.get("lot"), _date(data.get("expiry"))
    gtin = next((b for b in data.get("barcodes") or () if is_gtin(str(b))), None)
    blocks: list[Block] = [Text(sku, size="large", bold=True), Text(name)]
    details = []
    if lot:
        details.append(f"批次 Lot {lot}")
    if expiry:
        details.append(f"有效期 Exp {expiry.isoformat()}")
    if data.get("qty"):
        details.append(f"数量 Qty {data['qty']}")
    blocks += [Text(line) for line in details]
    if gtin:
        # A lot a GS1 code cannot carry (Chinese, too long) is left out of the code, never
        # mangled: the scan then gives item and expiry, and the lot is read off the label.
        coded_lot = str(lot) if lot and lot_fits(str(lot)) else None
        gs1 = element_string(gtin=str(gtin), lot=coded_lot, expiry=expiry)
        blocks.append(DataMatrix(gs1, human=gs1))
    else:
        blocks.append(Barcode(sku, human=sku, height=80))
    return Document("lot_label", f"物料标签 Item label {sku} {lot or ''}".strip(),
                    tuple(blocks), label=True)


def lpn_label(data: Mapping[str, Any]) -> Document:
    """A pallet or carton label with its SSCC (GS1 AI 00) and what it holds."""
    code = str(data["sscc"])
    blocks: list[Block] = [Text("SSCC", bold=True), Text(f"(00) {code}", size="large"),
                           Barcode(element_string(sscc_code=code), symbology="GS1_128",
                                   human=f"(00){code}", height=100)]
    for line in data.get("contents") or ():
        blocks.append(Row((str(line["sku"]), str(line.get("lot") or ""), str(line["qty"])),
                          (3, 3, 1), ("left", "left", "right")))
    return Document("lpn_label", f"托盘标签 SSCC {code}", tuple(blocks), label=True)


def shipping_label(data: Mapping[str, Any]) -> Document:
    """A shipping label: ship-to large, the order as a barcode, carton n of m."""
    order = str(data["order"])
    blocks: list[Block] = [Text("收货 Ship to", bold=True),
                           Text(str(data.get("customer") or ""), size="large", bold=True)]
    blocks += [Text(line) for line in str(data.get("ship_to") or "").splitlines() if line]
    blocks += [Rule(), Text(f"订单 Order {order}", bold=True),
               Text(f"箱 Carton {data.get('carton', 1)} / {data.get('cartons', 1)}",
                    size="large"),
               Barcode(order, human=order, height=80)]
    return Document("shipping_label", f"发货标签 Shipping label {order}", tuple(blocks),
                    label=True)


def packing_slip(data: Mapping[str, Any]) -> Document:
    """A packing slip: order, customer, ship-to, lines with ordered, shipped and
    backordered quantities and lots, the packer, and the order as a barcode."""
    order = str(data["order"])
    blocks: list[Block] = [
        Text("装箱单 Packing slip", size="large", bold=True, align="center"),
        Text(f"订单 Order: {order}"),
        Text(f"客户 Customer: {data.get('customer') or ''}"),
    ]
    if data.get("ship_to"):
        blocks.append(Text(f"收货地址 Ship to: {data['ship_to']}"))
    blocks += [Rule(),
               Row(("SKU / 品名", "订", "发", "欠"), (6, 1, 1, 1),
                   ("left", "right", "right", "right"), bold=True),
               Rule()]
    for line in data.get("lines") or ():
        ordered, shipped = int(line["ordered"]), int(line["shipped"])
        blocks.append(Row((str(line["sku"]), str(ordered), str(shipped),
                           str(max(ordered - shipped, 0))), (6, 1, 1, 1),
                          ("left", "right", "right", "right")))
        name = str(line.get("name") or "")
        lots = ", ".join(str(lot) for lot in line.get("lots") or ())
        if name:
            blocks.append(Text(f"  {name}"))
        if lots:
            blocks.append(Text(f"  批次 Lot: {lots}"))
        if line.get("price") is not None:
            blocks.append(Text(f"  单价 Price: ￥{float(line['price']):.2f}"))
    blocks += [Rule()]
    if data.get("packer"):
        blocks.append(Text(f"装箱 Packed by: {data['packer']}"))
    if data.get("at"):
        blocks.append(Text(f"时间 Time: {data['at']}"))
    blocks += [Feed(), Barcode(order, human=order, height=60)]
    return Document("packing_slip", f"装箱单 Packing slip {order}", tuple(blocks))


def receiving_note(data: Mapping[str, Any]) -> Document:
    """A receiving note: the purchase order, what was received and what inspection decided."""
    reference = str(data.get("purchase_order") or data.get("receipt") or "")
    blocks: list[Block] = [
        Text("收货单 Receiving note", size="large", bold=True, align="center"),
        Text(f"采购单 PO: {reference}"),
        Text(f"供应商 Supplier: {data.get('supplier') or ''}"),
        Rule(),
        Row(("SKU", "批次 Lot", "数量", "结果"), (4, 3, 1, 2),
            ("left", "left", "right", "left"), bold=True),
        Rule(),
    ]
    names = {"accept": "合格 OK", "quarantine": "待检 QC", "reject": "拒收 Reject"}
    for line in data.get("lines") or ():
        blocks.append(Row((str(line["sku"]), str(line.get("lot") or ""), str(line["qty"]),
                           names.get(str(line.get("disposition")), "")), (4, 3, 1, 2),
                          ("left", "left", "right", "left")))
        if line.get("reason"):  # a reason code (wms.reasons), its note after it
            note = f" · {line['note']}" if line.get("note") else ""
            blocks.append(Text(f"  原因 Reason: {line['reason']}{note}"))
    blocks += [Rule()]
    if data.get("receiver"):
        blocks.append(Text(f"收货人 Received by: {data['receiver']}"))
    if data.get("at"):
        blocks.append(Text(f"时间 Time: {data['at']}"))
    if reference:
        blocks += [Feed(), QRCode(reference, size=5)]
    return Document("receiving_note", f"收货单 Receiving note {reference}", tuple(blocks))


BUILDERS: dict[str, Callable[[Mapping[str, Any]], Document]] = {
    "bin_label": bin_label,
    "lot_label": lot_label,
    "lpn_label": lpn_label,
    "shipping_label": shipping_label,
    "packing_slip": packing_slip,
    "receiving_note": receiving_note,
}


# Fields of a job's data that hold an instant, printed as the warehouse's local time.
INSTANT_FIELDS = ("at",)


def build(kind: str, data: Mapping[str, Any], *, zone: str | None = None) -> Document:
    """The document of a print job, its times shown in `zone` (default: the configured
    WMS_TIMEZONE, the zone the pages show times in)."""
    try:
        builder = BUILDERS[kind]
    except KeyError:
        raise ValueError(f"unknown document kind {kind!r}") from None
    zone = zone or load_settings().timezone
    shown = {key: local_time(value, zone) if key in INSTANT_FIELDS and value else value
             for key, value in data.items()}
    return builder(shown)
