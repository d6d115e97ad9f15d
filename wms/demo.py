"""The demo warehouse that `wms init --demo` loads: two warehouses, zoned bins, items with
Chinese and English names, suppliers, customers, three months of trading (wms.demo_history),
stock in lots of different ages, an open
purchase order, open sales orders (their warehouse chosen when they are allocated) and a
user for every role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from locations import generate_layout
from wms.auth import add_user, create_token
from wms.config import DEFAULT_GATEWAY, load_settings
from wms.demo_history import trade_history
from wms.models import Customer, Item, Lot, Supplier, User, utcnow
from wms.services.allocation import create_pick_list
from wms.services.masterdata import (
    ensure_warehouse,
    upsert_item,
    upsert_location,
    upsert_partner,
)
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_purchase_order, create_sales_order
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.returns import CustomerReturnLine, receive_customer_return
from wms.services.shipping import ship_order


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str
    pin: str
    badge: str
    display_name: str


DEMO_USERS = (
    DemoUser("admin", "admin", "admin-demo", "9999", "BADGE-0001", "管理员 Admin"),
    DemoUser("zhang", "supervisor", "zhang-demo", "1234", "BADGE-0002",
             "张主管 Zhang (supervisor)"),
    DemoUser("li", "operator", "li-demo-1", "1111", "BADGE-0003", "李拣货 Li (picker)"),
    DemoUser("wang", "clerk", "wang-demo", "2222", "BADGE-0004", "王文员 Wang (clerk)"),
)

ITEMS = (
    # sku, zh, en, barcode, tracking, expiry, cost, category, zone
    ("TEA-001", "西湖龙井茶 250克", "West Lake Longjing tea 250 g", "6901234567892", "lot", True,
     "88.00", "茶叶 tea", "A"),
    ("TEA-002", "普洱茶饼 357克", "Pu'er tea cake 357 g", "6901234567908", "lot", True,
     "120.00", "茶叶 tea", "A"),
    ("CUP-010", "青花瓷茶杯", "Blue-and-white porcelain cup", "6901234567915", "none", False,
     "15.50", "茶具 teaware", "B"),
    ("POT-020", "紫砂壶", "Yixing clay teapot", "6901234567922", "lot", False, "260.00",
     "茶具 teaware", "B"),
    ("BOX-100", "礼品盒（大）", "Gift box (large)", "6901234567939", "none", False, "6.00",
     "包装 packaging", "B"),
    ("SNK-030", "绿豆糕 12块装", "Mung bean cakes, 12 pcs", "6901234567946", "lot", True,
     "18.00", "食品 food", "A"),
    ("HON-040", "洋槐蜂蜜 500克", "Acacia honey 500 g", "6901234567953", "lot", True, "45.00",
     "食品 food", "A"),
    ("MAT-050", "竹制茶盘", "Bamboo tea tray", "6901234567960", "none", False, "75.00",
     "茶具 teaware", "B"),
)

SUPPLIER_OF = {"TEA-001": "SUP-HZ", "TEA-002": "SUP-HZ", "SNK-030": "SUP-HZ",
               "HON-040": "SUP-HZ", "CUP-010": "SUP-YX", "POT-020": "SUP-YX",
               "MAT-050": "SUP-YX", "BOX-100": "SUP-PK"}
LEAD_TIMES = {"SUP-HZ": 5, "SUP-YX": 10, "SUP-PK": 3}


def _layout(session: Session, warehouse: str, zones: tuple[str, ...], aisles: int, bays: int,
            levels: int, capacity: int) -> list[str]:
    codes = []
    for spec in generate_layout(zones, aisles, bays, levels):
        upsert_location(session, spec.code, {"warehouse": warehouse, "zone": spec.zone,
                                             "kind": "storage", "capacity": capacity,
                                             "walk_seq": spec.walk_seq}, None)
        codes.append(spec.code)
    return codes


def _special(session: Session, warehouse: str, *specs: tuple[str, str, int]) -> None:
    for code, kind, seq in specs:
        upsert_location(session, code, {"warehouse": warehouse, "kind": kind,
                                        "capacity": None, "walk_seq": seq}, None)


def demo_exists(session: Session) -> bool:
    """Whether the demo was loaded already."""
    return session.scalar(select(Item.id).where(Item.sku == "TEA-001")) is not None


def load_demo(session: Session) -> str:
    """Load the demo warehouse; returns an API token for the demo admin."""
    _special(session, "WH1", ("DOCK-1", "dock", 0), ("STAGE-1", "staging", 1),
             ("PACK-1", "packing", 900), ("QC-1", "quarantine", 950))
    _layout(session, "WH1", ("A", "B"), 3, 4, 2, 200)
    _special(session, "WH2", ("DOCK-2", "dock", 0), ("PACK-2", "packing", 900),
             ("QC-2", "quarantine", 950))
    _layout(session, "WH2", ("C",), 2, 3, 2, 200)
    ensure_warehouse(session, "WH1", "主仓 Main warehouse")
    ensure_warehouse(session, "WH2", "二号仓 Second warehouse")

    for code, name, contact, phone, email, lead, tier in (
        ("SUP-HZ", "杭州龙井茶业有限公司", "陈经理", "13800000001", "chen@longjing-tea.example",
         5, "strategic"),
        ("SUP-YX", "宜兴紫砂工艺厂", "周师傅", "13900000002", None, 10, "regular"),
        ("SUP-PK", "Shenzhen Pack & Print Co.", "Ms. Lin", "+86 755 0000 0003",
         "lin@packprint.example", 3, "trial"),
    ):
        upsert_partner(session, Supplier, code, {"name": name, "contact": contact,
                                                 "phone": phone, "email": email,
                                                 "lead_time_days": lead, "tier": tier}, None)
    for sku, zh, en, barcode, tracking, expiry, cost, category, zone in ITEMS:
        upsert_item(session, sku, {
            "name": zh, "name_zh": zh, "name_en": en, "barcodes": [barcode], "uom": "pcs",
            "tracking": tracking, "expiry": expiry, "unit_cost": cost, "category": category,
            "zone_code": zone, "safety_stock": 20, "reorder_point": 30,
            "supplier": SUPPLIER_OF[sku], "lead_time_days": LEAD_TIMES[SUPPLIER_OF[sku]],
        }, None)
    # Cups come in cases of 12: the case's own GTIN counts 12 cups at a scan.
    upsert_item(session, "CUP-010", {"pack_size": 12, "case_barcodes": ["16901234567912"]},
                None)
    upsert_item(session, "BOX-100", {"home_location": "B-01-01-01"}, None)
    # Honey is taken in only with three months of shelf life left (else quarantine, or a
    # supervisor's override); the other items only refuse lots already expired.
    upsert_item(session, "HON-040", {"min_shelf_life_days": 90}, None)

    for code, name, tier, contact, phone, address in (
        ("CUS-VIP1", "上海茶韵贸易公司", "vip", "王经理", "021-6300 0001",
         "上海市黄浦区南京东路100号"),
        ("CUS-002", "北京老字号茶庄", "standard", "刘掌柜", "010-6500 0002",
         "北京市东城区王府井大街1号"),
        ("CUS-003", "Café Lumière (Lyon)", "standard", "Mme Durand", "+33 4 78 00 00 03",
         "12 Rue de la République, 69002 Lyon"),
    ):
        upsert_partner(session, Customer, code, {"name": name, "tier": tier,
                                                 "contact": contact, "phone": phone,
                                                 "address": address}, None)

    today = date.today()
    trade_history(session, today, ZoneInfo(load_settings().timezone))
    lots = (  # sku, lot, days ago received, days to expiry, qty, bin
        ("TEA-001", "LJ2026-03", 200, 160, 30, "A-01-01-01"),
        ("TEA-001", "LJ2026-06", 120, 250, 40, "A-01-02-01"),
        ("TEA-001", "LJ2026-09", 40, 330, 50, "A-02-04-01"),
        ("TEA-002", "PE2025-11", 300, 1500, 24, "A-01-03-01"),
        ("SNK-030", "LDG-1015", 30, 20, 60, "A-03-01-01"),
        ("SNK-030", "LDG-1101", 15, 45, 60, "A-03-02-01"),
        ("HON-040", "FM-0820", 90, 600, 36, "A-02-01-01"),
        ("POT-020", "ZS-001", 60, None, 8, "B-01-02-01"),
    )
    for sku, code, ago, shelf, qty, bin_ in lots:
        item = session.scalar(select(Item).where(Item.sku == sku))
        assert item is not None
        received = utcnow() - timedelta(days=ago)
        session.add(Lot(item_id=item.id, code=code, internal=False, received_at=received,
                        expiry=today + timedelta(days=shelf) if shelf else None))
        session.flush()
        receive(session, location="DOCK-1", user_id=None, lines=[ReceiptLineInput(
            sku, qty, code, today + timedelta(days=shelf) if shelf else None)])
        move_stock(session, sku=sku, qty=qty, from_code="DOCK-1", to_code=bin_, lot=code,
                   user_id=None)
    for sku, qty, bin_ in (("CUP-010", 120, "B-01-03-01"), ("BOX-100", 150, "B-01-01-01"),
                           ("MAT-050", 12, "B-02-01-01")):
        receive(session, location="DOCK-1", user_id=None,
                lines=[ReceiptLineInput(sku, qty)])
        move_stock(session, sku=sku, qty=qty, from_code="DOCK-1", to_code=bin_, user_id=None)

    d = Decimal
    create_purchase_order(session, "PO-1001", "SUP-HZ", [
        OrderLineInput("TEA-001", 60, d("86.00")), OrderLineInput("SNK-030", 48, d("17.50")),
        OrderLineInput("HON-040", 24, d("44.00"))], None, today + timedelta(days=2), "WH1")
    create_purchase_order(session, "PO-1002", "SUP-PK",
                          [OrderLineInput("BOX-100", 200, d("5.80"))], None,
                          today + timedelta(days=5), "WH1")
    create_sales_order(session, "SO-2001", "CUS-VIP1", [
        OrderLineInput("TEA-001", 45, d("128.00")), OrderLineInput("CUP-010", 12, d("25.00"))],
        None)
    create_sales_order(session, "SO-2002", "CUS-002", [
        OrderLineInput("SNK-030", 20, d("26.00")), OrderLineInput("BOX-100", 5, d("9.90"))],
        None)
    create_sales_order(session, "SO-2003", "CUS-003", [
        OrderLineInput("POT-020", 2, d("398.00")), OrderLineInput("MAT-050", 1, d("35.00"))],
        None)
    _shipped_and_returned(session)

    for u in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == u.username)) is None:
            add_user(session, u.username, u.role, pin=u.pin, password=u.password,
                     badge=u.badge, display_name=u.display_name)
    return create_token(session, "admin")


def _shipped_and_returned(session: Session) -> None:
    """Last week's order SO-1990 shipped three tea trays; the customer sent one back
    damaged, and it waits in quarantine. Two may still come back."""
    create_sales_order(session, "SO-1990", "CUS-003", [OrderLineInput("MAT-050", 3)], None)
    for task in create_pick_list(session, "SO-1990", None).pick_list.tasks:
        confirm_pick(session, task_id=task.id, location=task.location.code, sku="MAT-050",
                     qty=task.qty, user_id=None)
    ship_order(session, "SO-1990", None)
    receive_customer_return(session, customer="CUS-003", sales_order="SO-1990",
                            location="DOCK-1", user_id=None, lines=[CustomerReturnLine(
                                "MAT-050", 1, "quarantine", "damaged",
                                note="corner split in transit")])


BRIDGE_USER = "bridge"


def bridge_token(session: Session, stations: Sequence[str],
                 gateway: str = DEFAULT_GATEWAY) -> str:
    """A new token for the scanner bridge's own user (made on first use), bound to the
    stations of `gateway` its scanners feed: the bridge posts their scans with it and may do
    nothing else."""
    if session.scalar(select(User.id).where(User.username == BRIDGE_USER)) is None:
        add_user(session, BRIDGE_USER, "operator", display_name="扫描桥 Scanner bridge")
    return create_token(session, BRIDGE_USER, stations, gateway=gateway)
