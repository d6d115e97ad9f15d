"""A person kept to some warehouses (User.warehouses) on the handheld pages, on both engines:
a pick, a shortage or a bin lookup in another warehouse is refused in the person's language
and changes nothing. The demo's SO-2003 is picked from WH1; WH2's bins are zone C."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.support.ledger import Ledger
from wms.db import Database
from wms.demo import DEMO_USERS
from wms.models import PickTask, User

OPERATOR = next(u for u in DEMO_USERS if u.role == "operator")


def keep_to(floor_app: Any, username: str, warehouses: str | None) -> None:
    db: Database = floor_app.extensions["wms.db"]
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        user.warehouses = warehouses


def picker_at_the_first_task(handheld: Any, language: str = "en") -> Any:
    picker = handheld("operator", language)
    picker.open("/pick/")
    assert picker.scan(order="SO-2003").prompt in ("Scan bin", "扫描货位")
    return picker


def test_a_picker_kept_to_another_warehouse_cannot_confirm_a_pick(
        floor_app: Any, handheld: Any, ledger: Ledger) -> None:
    picker = picker_at_the_first_task(handheld)
    keep_to(floor_app, OPERATOR.username, "WH2")  # while the list is open on the handheld
    before = ledger.moves()
    picker.scan("B-01-02-01")
    picker.scan("6901234567922")
    refused = picker.scan("")
    assert refused.banner == ("error", "Not your warehouse",
                              "You may not work in warehouse WH1 (B-01-02-01)")
    assert ledger.moves() == before
    assert ledger.units("PACK-1", "POT-020") == 0 and ledger.units("B-01-02-01", "POT-020") == 8


def test_the_refusal_is_in_chinese_for_a_chinese_picker(
        floor_app: Any, handheld: Any, ledger: Ledger) -> None:
    picker = picker_at_the_first_task(handheld, "zh")
    keep_to(floor_app, OPERATOR.username, "WH2")  # while the list is open on the handheld
    picker.scan("B-01-02-01")
    picker.scan("6901234567922")
    refused = picker.scan("")
    assert refused.banner == ("error", "不是您的仓库", "您不能在仓库 WH1 作业（B-01-02-01）")
    assert ledger.units("PACK-1", "POT-020") == 0


def test_a_picker_kept_to_another_warehouse_cannot_report_a_task_short(
        floor_app: Any, handheld: Any, ledger: Ledger) -> None:
    picker = picker_at_the_first_task(handheld)
    keep_to(floor_app, OPERATOR.username, "WH2")  # while the list is open on the handheld
    db: Database = floor_app.extensions["wms.db"]
    with db.read() as s:
        shorts_before = sorted(s.scalars(select(PickTask.short)))
    assert picker.scan(action="short").prompt == "Report the rest short?"
    refused = picker.scan(action="short_confirm")
    assert refused.banner is not None and refused.banner[1] == "Not your warehouse"
    with db.read() as s:
        assert sorted(s.scalars(select(PickTask.short))) == shorts_before


def test_an_order_is_picked_only_from_the_pickers_own_warehouses(
        floor_app: Any, handheld: Any, ledger: Ledger) -> None:
    keep_to(floor_app, OPERATOR.username, "WH2")
    picker = handheld("operator", "en")
    picker.open("/pick/")
    before = ledger.moves()
    refused = picker.scan(order="SO-2003")
    assert refused.status == 422 and refused.banner is not None
    # SO-2003 names no warehouse: it would be picked from WH2, which has none of its goods.
    assert refused.banner[1:] == ("Not enough stock", "SO-2003")
    assert ledger.moves() == before


def test_the_same_picker_in_their_own_warehouse_picks_as_before(
        floor_app: Any, handheld: Any, ledger: Ledger) -> None:
    keep_to(floor_app, OPERATOR.username, "WH1 WH2")
    picker = picker_at_the_first_task(handheld)
    picker.scan("B-01-02-01")
    picker.scan("6901234567922")
    assert picker.scan("").banner == ("ok", "Picked 2 × POT-020", "")
    assert ledger.units("PACK-1", "POT-020") == 2


def test_a_bin_lookup_in_another_warehouse_is_refused_and_shows_nothing(
        floor_app: Any, handheld: Any) -> None:
    clerk = handheld("clerk")
    keep_to(floor_app, next(u for u in DEMO_USERS if u.role == "clerk").username, "WH2")
    clerk.open("/lookup/")
    refused = clerk.scan("A-01-01-01")
    assert refused.banner == ("error", "Not your warehouse",
                              "You may not work in warehouse WH1 (A-01-01-01)")
    assert "TEA-001" not in refused.text and "LJ2026-03" not in refused.text
    assert "Not your warehouse" not in clerk.scan("C-01-01-01").text
