"""The office's major flow in a desktop browser, at a PC's 1280 x 800 and a tablet's
768 x 1024, without the API: the admin sets up an item with a case barcode and orders it
from a supplier, a receiver receives and puts it away on the handheld, the admin sells it
and allocates it, the picker picks it on the handheld and packs it at the packing bench's
screen, the admin ships it from the order's page and takes one unit back at the dock; the
item's page shows the stock, the average cost (the purchase price), the stock value and the
moves, and the audit trail names each office step. Every office page is reached through the
office menu, shows no error, and fits the screen's width."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from terminal_ui.office import OFFICE_MENU
from tests.e2e.conftest import SCREENSHOTS, Handheld, Server, running_app
from tests.support.ledger import Ledger
from wms.site_config import DEMO_CONFIG

SIZES = [pytest.param((1280, 800), id="1280x800"), pytest.param((768, 1024), id="768x1024")]


@dataclass(frozen=True)
class Codes:
    """The item and orders of one run: each screen size has its own on the shared app."""

    sku: str
    unit: str
    case: str  # a case of 12
    po: str
    so: str


def codes_for(width: int) -> Codes:
    return Codes(f"CUP-{width}", f"690999900{width:04d}", f"690999901{width:04d}",
                 f"PO-{width}", f"SO-{width}")


@pytest.fixture(scope="module")
def gateway(demo_sqlite_template: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app over a fresh demo warehouse with the demo's hardware file: a packing bench
    whose screen takes typed scans, and printers that write into a folder."""
    tmp_path = tmp_path_factory.mktemp("office-flow")
    database = tmp_path / "wms.sqlite3"
    shutil.copy(demo_sqlite_template, database)
    config = tmp_path / "wms.toml"
    config.write_text(DEMO_CONFIG.replace('"var/', f'"{tmp_path}/'), encoding="utf-8")
    with running_app(database, config, tmp_path) as app:
        yield app


# The buttons of the page whose words are broken across lines (a button squeezed narrower
# than its longest word): "Ed / it" for "Edit".
BROKEN_WORDS_ON_BUTTONS = """() => [...document.querySelectorAll('main button, main a.button')]
  .filter(b => b.offsetParent !== null)
  .filter(b => b.textContent.trim().split(/\\s+/).some(word => {
    const probe = document.createElement('span');
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;font:inherit';
    probe.textContent = word;
    b.appendChild(probe);
    const wide = probe.getBoundingClientRect().width;
    probe.remove();
    const style = getComputedStyle(b);
    const room = b.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return wide > room + 0.5;
  }))
  .map(b => b.textContent.trim())"""

# The drop-down lists whose chosen entry is cut short by the list's width ("Restock at the
# do" for "Restock at the dock").
CUT_CHOICES = """() => [...document.querySelectorAll('main select')]
  .filter(s => s.offsetParent !== null && s.selectedIndex >= 0)
  .filter(s => {
    const probe = document.createElement('span');
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre;font:inherit';
    probe.textContent = s.options[s.selectedIndex].text;
    s.parentNode.appendChild(probe);
    probe.style.font = getComputedStyle(s).font;
    const wide = probe.getBoundingClientRect().width;
    probe.remove();
    const style = getComputedStyle(s);
    const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
      - 20;  // the arrow
    return wide > room + 0.5;
  })
  .map(s => s.options[s.selectedIndex].text)"""

# The fields of a table (an order's lines, a return's lines) that stand beyond the table's
# visible box: they would be reached only by scrolling the table sideways. A wide list may
# scroll to show more figures; its fields may not hide.
FIELDS_OUT_OF_SIGHT = """() => [...document.querySelectorAll('main table')]
  .filter(t => t.offsetParent !== null)
  .flatMap(t => {
    const right = t.getBoundingClientRect().left + t.clientWidth;
    return [...t.querySelectorAll('input:not([type=hidden]), select, button')]
      .filter(f => f.offsetParent !== null && f.getBoundingClientRect().right > right + 1)
      .map(f => f.name || f.textContent.trim());
  })"""

# The codes on the page shown on more than one line: "CUP- / 010" for CUP-010. A code is a
# run of Latin letters and digits with a digit in it, joined by hyphens, dots, slashes or
# underscores (an SKU, a bin, an order or badge number, a date), wherever it stands: in a
# cell, in a list of details, in a sentence; or a cell of one Latin word, or text marked as
# a code. A hyphenated word of a name ("Blue-and-white") may wrap.
CODES_ON_TWO_LINES = """() => {
  const lines = range => new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  const split = [];
  const main = document.querySelector('main');
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.offsetParent === null) continue;
    for (const m of node.data.matchAll(/[A-Za-z0-9]+(?:[-_.\\/][A-Za-z0-9]+)+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      if (/[0-9]/.test(m[0]) && lines(range) > 1) split.push(m[0]);
    }
  }
  for (const e of main.querySelectorAll('.code:not(.long), td')) {
    if (e.offsetParent === null || !/^[\\x21-\\x7e]+$/.test(e.textContent.trim())) continue;
    if (e.querySelector('button, input, select')) continue;  // a button's own box
    const range = document.createRange();
    range.selectNodeContents(e);
    if (lines(range) > 1) split.push(e.textContent.trim());
  }
  return split;
}"""


class Desk:
    """The admin's desktop browser on the office pages: every page it opens is checked for
    a server error and for a page wider than the screen."""

    def __init__(self, page: Any, base: str, size: tuple[int, int]) -> None:
        self.page = page
        self.base = base
        self.size = f"{size[0]}x{size[1]}"
        self.failures: list[str] = []
        page.on("response", lambda r: self.failures.append(f"{r.status} {r.url}")
                if r.status >= 500 else None)
        self.shots = 0

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto(self.base + "/login?next=/office/")
        self.page.get_by_text("Sign in with user name and password").click()
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/office/")
        self.check()
        rooms = self.page.locator("nav.office-menu a")
        assert rooms.count() == len(OFFICE_MENU)  # every room is the admin's
        for box in (rooms.nth(i).bounding_box() for i in range(rooms.count())):
            assert box is not None and box["x"] >= 0 and \
                box["x"] + box["width"] <= self.page.viewport_size["width"]

    def menu(self, room: str) -> None:
        """Open a room from the office menu, which must be whole on the screen."""
        link = self.page.locator("nav.office-menu a", has_text=room)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= self.page.viewport_size["width"], room
        link.click()
        self.page.wait_for_load_state()
        expect(self.page.locator("nav.office-menu a[aria-current=page]")).to_have_text(room)
        self.check()

    def follow(self, name: str) -> None:
        self.page.get_by_role("link", name=name, exact=True).first.click()
        self.page.wait_for_load_state()
        self.check()

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()
        self.check()

    @property
    def text(self) -> str:
        return " ".join(self.page.locator("main").inner_text().split())

    def fact(self, name: str) -> str:
        return " ".join(self.page.locator(f"[data-fact={name}]").inner_text().split())

    def check(self) -> None:
        body = self.page.locator("body").inner_text()
        assert "Traceback" not in body and "Internal Server Error" not in body, self.page.url
        assert not self.failures, self.failures
        assert self.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
            f"{self.page.url} scrolls sideways at {self.size}"
        broken = self.page.evaluate(BROKEN_WORDS_ON_BUTTONS)
        assert not broken, f"{self.page.url} breaks a word of {broken} at {self.size}"
        split = self.page.evaluate(CODES_ON_TWO_LINES)
        assert not split, f"{self.page.url} splits the codes {split} at {self.size}"
        cut = self.page.evaluate(CUT_CHOICES)
        assert not cut, f"{self.page.url} cuts the chosen entries {cut} short at {self.size}"
        hidden = self.page.evaluate(FIELDS_OUT_OF_SIGHT)
        assert not hidden, f"{self.page.url} hides the fields {hidden} sideways at {self.size}"

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        name = f"office-{self.size}-{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_buys_receives_sells_ships_and_takes_back_an_item_without_the_api(
        browser: Any, gateway: Server, size: tuple[int, int]) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  locale="en-US")
    handheld_context = browser.new_context(viewport={"width": 360, "height": 740},
                                           locale="en", has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        desk = Desk(page, gateway.url, size)
        li_page = handheld_context.new_page()
        li_page.set_default_timeout(10_000)
        li = Handheld(li_page, gateway.url)
        run_the_flow(desk, li, Ledger(gateway.db), codes_for(size[0]))
    finally:
        context.close()
        handheld_context.close()


def size_of(desk: Desk) -> int:
    return int(desk.page.viewport_size["width"])


def run_the_flow(desk: Desk, li: Handheld, ledger: Ledger, codes: Codes) -> None:
    sku, unit_code, case_code, po, so = (codes.sku, codes.unit, codes.case, codes.po,
                                         codes.so)
    desk.sign_in("admin", "admin-demo")
    desk.screenshot("home")

    # A new item with a unit barcode and a case barcode of 12, bought from a supplier.
    desk.menu("Items")
    desk.follow("New item")
    desk.page.fill("#f-sku", sku)
    desk.page.fill("#f-name", "Glazed cup")
    desk.page.fill("#f-barcodes", unit_code)
    desk.page.fill("#f-pack_size", "12")
    desk.page.fill("#f-case_barcodes", case_code)
    desk.page.fill("#f-unit_cost", "2.50")
    desk.page.select_option("#f-supplier", "SUP-YX")
    desk.screenshot("item-form")
    desk.press("Save")
    assert f"Item {sku} created" in desk.text
    assert desk.fact("case_barcodes") == case_code and desk.fact("pack_size") == "12"
    assert desk.fact("on_hand") == "0 pcs"
    desk.screenshot("item-created")

    # A purchase order of 14 at 3.00 from the supplier.
    desk.menu("Purchase orders")
    desk.follow("New purchase order")
    desk.page.fill("input[name=number]", po)
    desk.page.select_option("select[name=supplier]", "SUP-YX")
    desk.page.select_option("select[name=warehouse]", "WH1")
    line = desk.page.locator("tr.order-line").first
    line.locator("input[name=sku]").fill(sku)
    line.locator("input[name=qty]").fill("14")
    line.locator("input[name=unit_price]").fill("3.00")
    desk.screenshot("po-form")
    desk.press("Save")
    assert f"Purchase order {po} created" in desk.text
    assert desk.page.locator("[data-status]").first.inner_text() == "open"
    assert desk.page.locator("dd.total").inner_text() == "42.00"
    desk.screenshot("po-created")

    # Li receives it on the handheld: one case (12) and two units scanned one by one.
    li.sign_in("BADGE-0003", "1111")
    li.go("/receive/")
    li.wedge(po)
    li.wedge(case_code)
    assert li.page.locator("#scan").input_value() == "" and "Quantity" in li.prompt
    assert li.page.locator("#step").get_by_text("12", exact=True).count() >= 1
    li.enter()
    assert li.banner == f"Received 12 × {sku}"
    li.wedge(unit_code)
    li.wedge(unit_code)
    assert li.banner == "2 counted"
    li.enter()
    assert li.banner == f"Received 2 × {sku}"
    li.tap("Finish receiving")
    assert ledger.units("DOCK-1", sku) == 14

    # ... and puts it away in the suggested bin.
    li.go("/putaway/")
    li.wedge(case_code)
    assert li.prompt == "Quantity: press Enter for 14"
    li.enter()
    bin_code = li.page.locator("[data-role=suggested]").inner_text().split()[0]
    li.wedge(bin_code)
    assert li.banner == f"Put 14 × {sku} in {bin_code}"
    assert ledger.units(bin_code, sku) == 14 and ledger.units("DOCK-1", sku) == 0

    desk.menu("Purchase orders")
    desk.follow(po)
    assert desk.page.locator("[data-status]").first.inner_text() == "received"
    desk.screenshot("po-received")

    # A sales order of 5 at 6.00, allocated: the pick list sends Li to the bin.
    desk.menu("Sales orders")
    desk.follow("New sales order")
    desk.page.fill("input[name=number]", so)
    desk.page.select_option("select[name=customer]", "CUS-002")
    line = desk.page.locator("tr.order-line").first
    line.locator("input[name=sku]").fill(sku)
    line.locator("input[name=qty]").fill("5")
    line.locator("input[name=unit_price]").fill("6.00")
    desk.screenshot("so-form")
    desk.press("Save")
    assert f"Sales order {so} created" in desk.text
    assert desk.page.locator("dd.total").inner_text() == "30.00"
    desk.press("Allocate and make a pick list")
    assert "Pick list made with 1 task" in desk.text
    task = desk.page.locator("table.pick-list tr.task")
    assert " ".join(task.inner_text().split()).startswith(f"1 {bin_code} {sku} Glazed cup 5")
    desk.screenshot("so-allocated")

    # Li picks it on the handheld ...
    li.go("/pick/")
    li.wedge(so)
    assert bin_code in li.page.locator("[data-role=bin]").inner_text()
    li.wedge(bin_code)
    li.wedge(unit_code)
    assert li.prompt == "Quantity: press Enter for 5"
    li.enter()
    assert "All picked: take the goods to PACK-1" in li.banner
    assert ledger.units("PACK-1", sku) == 5

    # ... and packs it at the packing bench, typing on its screen what its scanner reads.
    desk.follow("Warehouse terminal")  # the floor's menu: the stations, and the office
    desk.follow("Stations")
    desk.follow("Packing station · packing")
    station = desk.page.locator("#live")

    def at_the_bench(scan: str) -> None:
        typed = desk.page.locator("details.typed")
        if typed.get_attribute("open") is None:
            typed.locator("summary").click()
        typed.locator("input[name=scan]").fill(scan)
        with desk.page.expect_response(lambda r: r.url.endswith("/scan")):
            typed.get_by_role("button", name="Enter").click()

    at_the_bench("BADGE-0003")
    expect(station.locator("[data-role=person]")).to_contain_text("Li")
    at_the_bench(so)
    expect(station).to_contain_text(f"Packing {so}")
    at_the_bench(unit_code)
    expect(station.locator("[data-role=verified]")).to_have_text("1 / 5")
    desk.page.fill("#qty", "5")
    with desk.page.expect_response(lambda r: r.url.endswith("/scan")):
        desk.page.get_by_role("button", name="Set quantity").click()
    expect(station).to_contain_text(f"{so} packed")
    desk.check()
    desk.screenshot("packing-bench")
    desk.follow("Warehouse terminal")
    desk.follow("Office")

    # The admin ships it from the order's page (the office has no other way to ship).
    desk.menu("Sales orders")
    desk.follow(so)
    assert desk.page.locator("[data-status]").first.inner_text() == "packed"
    desk.press("Ship: the picked goods leave the warehouse")
    assert f"Sales order {so} shipped: 5 units left the warehouse" in desk.text
    assert desk.page.locator("[data-status]").first.inner_text() == "shipped"
    steps = [(r.get_attribute("data-step"), r.locator("td").nth(2).inner_text())
             for r in desk.page.locator("table.order-steps tr[data-step]").all()]
    assert steps == [("created", "admin"), ("allocated", "admin"), ("picked", "li"),
                     ("packed", "li"), ("shipped", "admin")]
    desk.screenshot("so-shipped")
    assert ledger.units("PACK-1", sku) == 0

    # One unit comes back at the dock and goes back on the shelf.
    desk.menu("Returns")
    desk.follow("Customer return")
    desk.page.fill("input[name=sales_order]", so)
    desk.press("Show what it shipped")
    row = desk.page.locator(f"tr[data-sku='{sku}']")
    assert row.locator("td.remaining").inner_text() == "5"
    row.locator("input[name=qty]").fill("1")
    row.locator("select[name=disposition]").select_option("restock")
    desk.page.select_option("select[name=location]", "DOCK-1")
    desk.screenshot("return-form")
    desk.press("Book the return")
    assert "Return" in desk.text and "booked" in desk.text
    booked = desk.page.locator("main table tr", has_text=so)
    assert "From a customer CUS-002" in " ".join(booked.inner_text().split())
    assert "3.00" in booked.inner_text()  # one unit back at its average cost
    desk.screenshot("return-booked")
    assert ledger.units("DOCK-1", sku) == 1 and ledger.units(bin_code, sku) == 9

    # The item's page: 10 on hand at the purchase price, and every move.
    desk.menu("Items")
    desk.page.locator("input[name=q]").fill(case_code)  # a search by barcode
    desk.page.locator("input[name=q]").press("Enter")
    found = desk.page.locator("#item-table tr[data-sku]")
    expect(found).to_have_count(1)
    listed = " ".join(found.inner_text().split())
    assert listed.startswith(f"{sku} Glazed cup") and "10 3.00 30.00" in listed
    desk.screenshot("item-list")
    desk.follow(sku)
    assert desk.fact("on_hand") == "10 pcs"
    assert desk.fact("avg_cost") == "3.00"
    assert desk.fact("stock_value") == "30.00"
    assert desk.page.locator("[data-fact=avg_cost]").evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getBoundingClientRect().left; }") < size_of(desk) / 2  # by its label
    bins = {r.get_attribute("data-location"): r.locator("td").nth(3).inner_text()
            for r in desk.page.locator("table.by-bin tr[data-location]").all()}
    assert bins == {"DOCK-1": "1", bin_code: "9"}
    moves = [tuple(c.strip() for c in r.inner_text().split("\t")[1:3])
             for r in desk.page.locator("table.moves tr:not(.head)").all()]
    assert moves == [("customer return", "1"), ("shipped", "5"), ("picked", "5"),
                     ("put away", "14"), ("received", "2"), ("received", "12")]
    changes = desk.page.locator("table.changes").inner_text()
    assert f"Case barcodes: {case_code}" in changes and "Pack size (units in a case): 12" \
        in changes
    desk.screenshot("item-after")

    # The audit trail: the item's creation, the purchase order and the return.
    desk.menu("Audit trail")
    trail = desk.page.locator("table.audit tr[data-event]")

    def event(action: str, subject: str) -> str:
        found = trail.filter(has_text=action).filter(has_text=subject)
        expect(found).to_have_count(1)
        return " ".join(found.inner_text().split())

    assert "admin" in event("Item created", sku)
    ordered = event("Purchase order created", po)
    assert "SUP-YX" in ordered and f"SKU: {sku}; Qty: 14; Unit price: 3.00" in ordered
    returned = event("Customer return", so)
    assert f"Sales order: {so}" in returned and \
        f"SKU: {sku}; Qty: 1; Disposition: Restock at the dock" in returned
    desk.screenshot("audit")


@pytest.mark.parametrize(("size", "language"), [
    pytest.param((1280, 800), "en", id="1280x800-en"),
    pytest.param((768, 1024), "en", id="768x1024-en"),
    pytest.param((768, 1024), "zh", id="768x1024-zh")])
def test_every_office_room_and_the_demo_orders_keep_their_codes_and_buttons_whole(
        browser: Any, gateway: Server, size: tuple[int, int], language: str) -> None:
    """Every room of the office menu over the demo warehouse, the demo's purchase and sales
    orders, two of its items (long names, lots, suppliers) and the return of a shipped
    order's lines, in English and, on the tablet, in Chinese (with the forms to make and
    change items, orders, users and bins), show each code on one line,
    no button with a broken word, no field out of sight and nothing wider than the screen."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        desk = Desk(page, gateway.url, size)
        desk.sign_in("admin", "admin-demo")
        switch = page.locator(f"form.lang button[value={language}]")
        if switch.count():
            switch.click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == \
            {"en": "en", "zh": "zh-Hans"}[language]
        rooms = page.locator("nav.office-menu a").evaluate_all("links => links.map(a => a.href)")
        assert len(rooms) == len(OFFICE_MENU)
        for room in rooms:
            page.goto(room)
            desk.check()
        records = {path: path.rsplit("/", 1)[1] for path in (
            "purchase-orders/PO-1001", "purchase-orders/PO-1002", "sales-orders/SO-2001",
            "sales-orders/SO-2002", "sales-orders/SO-2003", "items/TEA-001", "items/CUP-010")}
        records["returns/customer?sales_order=SO-H12-1"] = "CUP-010"  # what it shipped
        if language == "zh":  # the office flow opens these forms in English
            records.update({"items/new": "新建商品", "items/CUP-010/edit": "编辑商品 CUP-010",
                            "purchase-orders/new": "新建采购订单",
                            "purchase-orders/PO-1001/edit": "修改采购订单 PO-1001",
                            "sales-orders/new": "新建销售订单", "users/new": "添加用户",
                            "warehouses/WH1/layout": "批量生成货位",
                            "returns/supplier": "退货给供应商", "users/tokens": "API 令牌"})
        for path, shown in records.items():
            page.goto(f"{gateway.url}/office/{path}")
            assert shown in desk.text, path
            desk.check()
    finally:
        context.close()
