"""Bad input typed, scanned or tampered into every handheld page form and scan step (huge
numbers, 3,000-character strings, control characters, NUL, emoji, SQL-ish text, missing
fields): never a server fault, and a refused scan changes nothing in the ledger."""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.figures import record
from tests.support.handheld import Handheld
from tests.support.torture import TORTURE, size
from wms.db import Database
from wms.demo import DEMO_USERS
from wms.ledger import verify_balances
from wms.models import Count, Location, Lot, Move, PickTask, PurchaseOrder, StockBalance

pytestmark = pytest.mark.faults

PEOPLE = {u.role: u for u in DEMO_USERS}

NASTY = [
    "9" * 5000, "99999999999999999999", "2147483648", "9223372036854775808", "-1", "0",
    "1e9", "3.5", "x" * 3000, "茶" * 3000, "\x00", "A-01\x00-01", "\x01\x02\x1b[31m\x7f",
    "\r\n\r\n", "\u202e\u200b", "📦🔥🧨", "' OR 1=1 --", "'; DROP TABLE moves; --",
    "<script>alert(1)</script>", "{{7*7}}", "%s%n%x", " ", "\t", "]C1010690123456789217",
    "\x1d\x1d\x1d", "²³", "١٢", "TRF-99999999999", "SO-" + "9" * 300, "BADGE-0001",
]

# Each scan page: its URL, its steps and the fields its steps carry from one to the next.
PAGES: dict[str, tuple[list[str], list[str]]] = {
    "/receive/": (["choose", "item", "lot", "expiry", "qty", "reason"],
                  ["po", "dock", "sku", "lot", "expiry", "counted", "qty", "disposition",
                   "order", "reason", "note", "action"]),
    "/putaway/": (["item", "qty", "bin"],
                  ["from", "sku", "lot", "available", "qty", "suggested", "pick", "action"]),
    "/move/": (["from", "item", "qty", "to", "receive"],
               ["from", "sku", "lot", "available", "qty", "transfer", "action"]),
    "/pick/": (["bin", "item", "qty", "short"],
               ["list", "task", "bin", "sku", "lot", "remaining", "counted", "order",
                "action"]),
    "/count/": (["choose", "bin", "item", "lot", "qty"],
                ["count", "bin", "sku", "lot", "counted", "open", "action"]),
    "/scrap/": (["bin", "item", "qty", "reason"],
                ["bin", "sku", "lot", "available", "qty", "reason", "note", "action"]),
    "/lookup/": (["scan"], []),
}
BUTTONS = {"action": ["cancel", "finish", "short", "accept", "override", "quarantine",
                      "reject", "back", "submit"]}


@dataclass(frozen=True)
class Case:
    path: str
    form: dict[str, str]


@dataclass
class Known:
    """Real codes of the demo warehouse, so that bad input reaches the deep steps."""

    bin: str
    sku: str
    lot: str
    dock: str
    count: str
    task: str
    pick_list: str
    po: str


def known_codes(db: Database) -> Known:
    with db.read() as s:
        bin_, sku, lot = s.execute(
            select(Location.code, StockBalance.item_id, Lot.code)
            .join(Location, Location.id == StockBalance.location_id)
            .join(Lot, Lot.id == StockBalance.lot_id)
            .where(Location.kind == "storage", StockBalance.qty > StockBalance.reserved)
            .order_by(StockBalance.id).limit(1)).one()
        from wms.models import Item

        item_sku = s.scalar(select(Item.sku).where(Item.id == sku))
        dock = s.scalar(select(Location.code).where(Location.kind == "dock").limit(1))
        count = s.scalar(select(func.max(Count.id)))
        task = s.execute(select(PickTask.id, PickTask.pick_list_id).limit(1)).first()
        po = s.scalar(select(PurchaseOrder.number).limit(1))
    return Known(bin_, str(item_sku), lot, str(dock), str(count or 1),
                 str(task[0] if task else 1), str(task[1] if task else 1), str(po or "PO-1"))


def plausible(known: Known) -> dict[str, str]:
    return {"po": known.po, "dock": known.dock, "sku": known.sku, "lot": known.lot,
            "expiry": "2030-01-01", "counted": "1", "qty": "1", "available": "1",
            "from": known.bin, "bin": known.bin, "suggested": known.bin, "list":
            known.pick_list, "task": known.task, "remaining": "1", "count": known.count,
            "transfer": "1"}


def pick(rng: random.Random, values: list[str], ci: int) -> list[str]:
    """All of `values` under WMS_TORTURE=1, else a seeded sample of `ci` of them."""
    return list(values) if TORTURE else rng.sample(values, min(ci, len(values)))


def cases(known: Known, rng: random.Random) -> Iterator[Case]:
    """Every step of every page: nasty scans with the step's fields in place and with every
    field missing, each field tampered, and each button pressed with a nasty scan. CI takes
    a seeded sample of the values at each step; WMS_TORTURE=1 takes them all."""
    base = plausible(known)
    scans = [known.bin, known.sku, "1", ""]
    for path, (stages, fields) in PAGES.items():
        carried = {f: base[f] for f in fields if f in base}
        for stage in stages:
            for nasty in pick(rng, NASTY, 6):
                yield Case(path, {**carried, "stage": stage, "scan": nasty})
            for nasty in pick(rng, NASTY, 2):
                yield Case(path, {"stage": stage, "scan": nasty})  # every field missing
            for name in fields:
                for nasty in pick(rng, NASTY, 1):
                    yield Case(path, {**carried, "stage": stage, "scan": rng.choice(scans),
                                      name: nasty})
            for name, presses in BUTTONS.items():
                for press in pick(rng, presses, 2):
                    yield Case(path, {**carried, "stage": stage, "scan": rng.choice(NASTY),
                                      name: press})


def ledger_state(db: Database) -> tuple[Any, ...]:
    """The ledger's row count and last id, and a digest of every balance row."""
    with db.read() as s:
        moves = s.execute(select(func.count(), func.max(Move.id))).one()
        balances = s.execute(select(
            func.count(), func.coalesce(func.sum(StockBalance.qty * StockBalance.id), 0),
            func.coalesce(func.sum(StockBalance.reserved * StockBalance.id), 0))).one()
    return (*moves, *balances)


@pytest.fixture
def fuzz_app(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text('[stations.dock]\nkind = "dock"\nlocation = "DOCK-1"\n', encoding="utf-8")
    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(config)})
    yield app
    app.extensions["wms.db"].dispose()


def signed_in(app: Any, role: str) -> Handheld:
    device = Handheld(app.test_client())
    person = PEOPLE[role]
    assert device.sign_in(person.badge, person.pin).status == 302
    device.open("/")
    return device


def post(device: Handheld, path: str, form: dict[str, str], *, htmx: bool) -> int:
    headers = {"X-CSRFToken": device.csrf}
    if htmx:
        headers["HX-Request"] = "true"
    return int(device.client.post(path, data=form, headers=headers).status_code)


def test_bad_input_on_any_page_step_is_refused_without_a_fault_and_changes_nothing(
    fuzz_app: Any
) -> None:
    db: Database = fuzz_app.extensions["wms.db"]
    rng = random.Random(size("fuzz_seed", ci=17, torture=17))
    known = known_codes(db)
    supervisor = signed_in(fuzz_app, "supervisor")
    faults: list[tuple[int, Case]] = []
    changed_on_refusal: list[tuple[int, Case]] = []
    statuses: Counter[int] = Counter()
    before = ledger_state(db)
    began = time.monotonic()
    sent = 0
    for case in cases(known, rng):
        status = post(supervisor, case.path, case.form, htmx=sent % 2 == 0)
        sent += 1
        statuses[status] += 1
        if status >= 500:
            faults.append((status, case))
            continue
        after = ledger_state(db)
        if status >= 400 and after != before:
            changed_on_refusal.append((status, case))
        before = after
    seconds = time.monotonic() - began
    with db.read() as s:
        differences = verify_balances(s)
        negative = s.scalar(select(func.count()).where(
            (StockBalance.qty < 0) | (StockBalance.reserved > StockBalance.qty)))

    record(f"page fuzz [{db.dialect}]", posts=sent, faults=len(faults),
           changed_on_refusal=len(changed_on_refusal),
           statuses=" ".join(f"{k}:{v}" for k, v in sorted(statuses.items())),
           seconds=seconds)
    assert faults == [], [(s, c.path, {k: v[:40] for k, v in c.form.items()})
                          for s, c in faults[:8]]
    assert changed_on_refusal == []
    assert differences == [] and negative == 0


IDS = ["0", "1", "2147483648", "9223372036854775808", "99999999999999999999", "9" * 400]


def other_forms(rng: random.Random) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(who, path, form) for every form outside the scan steps: the station screen, the
    language switch, the office's print queue, the supervisor's approval and sign-in."""
    for nasty in pick(rng, NASTY, 12):
        yield "supervisor", "/stations/dock/scan", {"scan": nasty, "since": rng.choice(NASTY)}
        yield "supervisor", "/stations/dock/scan", {"qty": nasty, "scan_id": nasty}
        yield "supervisor", "/stations/dock/inspection", {"choice": nasty,
                                                          "since": rng.choice(NASTY)}
        yield "supervisor", "/stations/dock/inspection", {"choice": f"reject:{nasty}"}
        yield "supervisor", f"/stations/{nasty[:200]}/scan", {"scan": "1"}
        yield "operator", "/language", {"locale": nasty, "back": nasty}
        yield "", "/login", {"username": nasty, "password": nasty, "next": nasty}
        yield "", "/login/badge", {"badge": nasty, "pin": rng.choice(NASTY)}
    for job in pick(rng, IDS, 3):
        for action in ("cancel", "reprint"):
            yield "admin", f"/office/print-jobs/{job}/{action}", {"scan_id": rng.choice(NASTY)}
        yield "supervisor", f"/supervisor/counts/{job}/approve", {"scan_id": rng.choice(NASTY)}


def test_bad_input_in_sign_in_station_office_and_approval_forms_never_faults(
    fuzz_app: Any
) -> None:
    db: Database = fuzz_app.extensions["wms.db"]
    rng = random.Random(size("fuzz_seed", ci=29, torture=29))
    devices = {role: signed_in(fuzz_app, role) for role in ("supervisor", "operator", "admin")}
    faults: list[tuple[int, str, dict[str, str]]] = []
    statuses: Counter[int] = Counter()
    before = ledger_state(db)
    sent = 0
    for who, path, form in other_forms(rng):
        if who:
            device = devices[who]
            status = post(device, path, form, htmx=sent % 2 == 0)
        else:  # signed out, with the sign-in page's own form token
            device = Handheld(fuzz_app.test_client())
            page = device.client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token is not None
            status = int(device.client.post(path, data={**form, "csrf_token": token.group(1)})
                         .status_code)
        sent += 1
        statuses[status] += 1
        if status >= 500:
            faults.append((status, path[:60], {k: v[:40] for k, v in form.items()}))
    after = ledger_state(db)

    record(f"form fuzz [{db.dialect}]", posts=sent, faults=len(faults),
           statuses=" ".join(f"{k}:{v}" for k, v in sorted(statuses.items())))
    assert faults == [], faults[:8]
    assert after == before, "a refused form changed the ledger"
