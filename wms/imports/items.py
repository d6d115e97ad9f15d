"""Items from a file: the columns of PUT /items (and the planning fields), checked by the
API's own item body, barcodes and case barcodes kept unique across the catalogue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from wms.api.schemas import ItemBody
from wms.errors import UnknownLocation
from wms.imports.records import Checked, RecordKind
from wms.imports.table import ImportColumn, RowError, Sheet
from wms.imports.values import number_text
from wms.models import Item, ItemBarcode, Location, Supplier
from wms.services.lookup import location_code

# The file's columns, in the order a template and an export write them.
ITEM_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("sku", "商品编码", required=True),
    ImportColumn("name", "名称"),
    ImportColumn("name_en", "英文名称"),
    ImportColumn("name_zh", "中文名称"),
    ImportColumn("barcodes", "条码", "list"),
    ImportColumn("case_barcodes", "箱条码", "list"),
    ImportColumn("uom", "单位"),
    ImportColumn("tracking", "批次管理"),
    ImportColumn("expiry", "效期管理", "bool"),
    ImportColumn("unit_cost", "单位成本", "decimal"),
    ImportColumn("category", "类别"),
    ImportColumn("supplier", "默认供应商"),
    ImportColumn("lead_time_days", "采购提前期天数", "int"),
    ImportColumn("review_period_days", "补货周期天数", "int"),
    ImportColumn("instability_factor", "需求波动系数", "decimal"),
    ImportColumn("demand_window_days", "需求统计天数", "int"),
    ImportColumn("forecast_method", "预测方法"),
    ImportColumn("safety_stock", "安全库存", "int"),
    ImportColumn("min_qty", "最低库存", "int"),
    ImportColumn("max_qty", "最高库存", "int"),
    ImportColumn("pack_size", "箱规", "int"),
    ImportColumn("min_shelf_life_days", "最短剩余保质期天数", "int"),
    ImportColumn("home_location", "默认库位"),
    ImportColumn("active", "启用", "bool"),
)



class ItemRow(ItemBody):
    """An item row: the API's item body, so a file and a PUT are checked alike."""


NOT_NULL: dict[str, Any] = {
    "name": None, "uom": "pcs", "tracking": "none", "expiry": False,
    "unit_cost": Decimal("0"), "pack_size": 1, "review_period_days": 7,
    "instability_factor": Decimal("1.2"), "demand_window_days": 28,
    "forecast_method": "moving_average", "active": True,
}


def _clean_sku(text: str) -> str:
    sku = text.strip()
    if not sku or len(sku) > 64:
        raise ValueError("1 to 64 characters")
    return sku


def _load(session: Session, sheet: Sheet) -> dict[str, Any]:
    """Suppliers, locations, every SKU and every barcode's owner; the barcodes of the
    file's items that the file replaces are set free first (a code may move between them)."""
    lookups: dict[str, Any] = {"changed_beside": set()}
    if "supplier" in sheet.present:
        lookups["suppliers"] = dict(session.execute(select(Supplier.code, Supplier.id)).all())
    if "home_location" in sheet.present:
        lookups["locations"] = dict(session.execute(select(Location.code, Location.id)).all())
    id_of = dict(session.execute(select(Item.sku, Item.id)).all())
    sku_of = {id_: sku for sku, id_ in id_of.items()}
    by_item: dict[int, dict[str, int]] = {}
    claims: dict[str, str] = {}
    for code, item_id, units in session.execute(
            select(ItemBarcode.code, ItemBarcode.item_id, ItemBarcode.units)):
        by_item.setdefault(item_id, {})[code] = units
        claims[code] = sku_of[item_id]
    replaced = [name for name in ("barcodes", "case_barcodes") if name in sheet.present]
    if replaced:
        for _, row in sheet.rows:
            named = id_of.get(row.get("sku", "").strip())
            for code, units in by_item.get(named, {}).items() if named is not None else ():
                if ("barcodes" in replaced and units == 1) or (
                        "case_barcodes" in replaced and units != 1):
                    claims.pop(code, None)
    skus = set(id_of) | {row.get("sku", "").strip() for _, row in sheet.rows}
    lookups.update(id_of=id_of, by_item=by_item, claims=claims, skus=skus, replaced=replaced,
                   wanted={})
    return lookups


def _reference(lookups: dict[str, Any], table: str, number: int, name: str, value: Any,
               errors: list[RowError]) -> tuple[bool, int | None]:
    """(ok, id) of a supplier or location a row names; None when the cell is empty."""
    if value is None:
        return True, None
    code = value
    if table == "locations":
        try:
            code = location_code(value)
        except UnknownLocation:
            code = value
    found = lookups[table].get(code)
    if found is None:
        what = "supplier" if table == "suppliers" else "location"
        errors.append(RowError(number, name, f"{name}: there is no {what} {value}",
                               f"unknown_{what}", {"value": value}))
        return False, None
    return True, found


def _resolve(lookups: dict[str, Any], number: int, sku: str, fields: dict[str, Any],
             current: dict[str, Any] | None, errors: list[RowError]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    ok = True
    for name, table, column in (("supplier", "suppliers", "supplier_id"),
                                ("home_location", "locations", "home_location_id")):
        if name in fields:
            found, id_ = _reference(lookups, table, number, name, fields[name], errors)
            ok = ok and found
            values[column] = id_
    if lookups["replaced"] and not _claim_barcodes(lookups, number, sku, fields, current,
                                                   errors):
        ok = False
    return values if ok else None


def _claim_barcodes(lookups: dict[str, Any], number: int, sku: str, fields: dict[str, Any],
                    current: dict[str, Any] | None, errors: list[RowError]) -> bool:
    """The item's barcodes after the import, each claimed for it; False after an error for
    a code another item or SKU has."""
    have = lookups["by_item"].get(current["id"], {}) if current else {}
    pack = fields.get("pack_size") or (current or {}).get("pack_size") or 1
    wanted: dict[str, int] = {}
    for name in ("barcodes", "case_barcodes"):
        if name in lookups["replaced"]:
            codes = fields.get(name) or []
        else:
            codes = [c for c, units in have.items() if (units == 1) == (name == "barcodes")]
        for code in codes:
            wanted.setdefault(code, 1 if name == "barcodes" else pack)
    ok = True
    for code in wanted:
        owner = lookups["claims"].get(code)
        field = "barcodes" if wanted[code] == 1 and code in (fields.get("barcodes") or [
            code]) else "case_barcodes"
        if owner is not None and owner != sku:
            errors.append(RowError(number, field, f"{field}: barcode {code} belongs to "
                                   f"item {owner}", "barcode_taken",
                                   {"value": code, "other": owner}))
            ok = False
        elif code != sku and code in lookups["skus"]:
            errors.append(RowError(number, field, f"{field}: barcode {code} is another "
                                   "item's SKU", "barcode_is_sku", {"value": code}))
            ok = False
        else:
            lookups["claims"][code] = sku
    if ok:
        lookups["wanted"][sku] = wanted
        if current is not None and wanted != have:
            lookups["changed_beside"].add(sku)
    return ok


def _write_barcodes(session: Session, checked: Checked, ids: dict[str, int]) -> None:
    """Replace the barcodes of the items whose codes the file changes."""
    lookups = checked.extra["lookups"]
    if not lookups["replaced"]:
        return
    wanted: dict[str, dict[str, int]] = lookups["wanted"]
    changing = [sku for sku in wanted if sku in checked.new or sku in lookups["changed_beside"]]
    old_ids = [ids[sku] for sku in changing if sku not in checked.new]
    for start in range(0, len(old_ids), 500):
        session.execute(delete(ItemBarcode).where(
            ItemBarcode.item_id.in_(old_ids[start:start + 500])))
    rows = [{"item_id": ids[sku], "code": code, "units": units}
            for sku in changing for code, units in wanted[sku].items()]
    if rows:
        session.execute(insert(ItemBarcode), rows)


def export_items(session: Session) -> list[dict[str, Any]]:
    """Every item as a row of the import file."""
    supplier_code = dict(session.execute(select(Supplier.id, Supplier.code)).all())
    location_code_of = dict(session.execute(select(Location.id, Location.code)).all())
    codes: dict[int, list[tuple[str, int]]] = {}
    for item_id, code, units in session.execute(
            select(ItemBarcode.item_id, ItemBarcode.code, ItemBarcode.units)
            .order_by(ItemBarcode.id)):
        codes.setdefault(item_id, []).append((code, units))
    rows = []
    for item in session.execute(select(Item.__table__).order_by(Item.sku)).mappings():
        mine = codes.get(item["id"], [])
        rows.append({
            "sku": item["sku"], "name": item["name"], "name_en": item["name_en"],
            "name_zh": item["name_zh"],
            "barcodes": [c for c, units in mine if units == 1],
            "case_barcodes": [c for c, units in mine if units != 1],
            "uom": item["uom"], "tracking": item["tracking"], "expiry": item["expiry"],
            "unit_cost": number_text(item["unit_cost"]), "category": item["category"],
            "supplier": supplier_code.get(item["supplier_id"]),
            "lead_time_days": item["lead_time_days"],
            "review_period_days": item["review_period_days"],
            "instability_factor": number_text(item["instability_factor"]),
            "demand_window_days": item["demand_window_days"],
            "forecast_method": item["forecast_method"],
            "safety_stock": item["safety_stock"], "min_qty": item["min_qty"],
            "max_qty": item["max_qty"], "pack_size": item["pack_size"],
            "min_shelf_life_days": item["min_shelf_life_days"],
            "home_location": location_code_of.get(item["home_location_id"]),
            "active": item["active"],
        })
    return rows


ITEMS = RecordKind(
    name="items", model=Item, key="sku", columns=ITEM_COLUMNS, body=ItemRow,
    not_null=NOT_NULL, clean_key=_clean_sku, load=_load, resolve=_resolve,
    after_write=_write_barcodes, export=export_items,
)
