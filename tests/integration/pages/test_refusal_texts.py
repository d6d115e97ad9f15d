"""Every refusal says, in natural Chinese or English, what the step expected and what was
scanned, in one short line; codes in it are kept whole on a 360 px screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import update

from tests.integration.pages.test_putaway_count_pages import putaway_to_bin_step
from wms.models import Location
from wms.services.print_jobs import enqueue

TEA_GS1 = "]C1010690123456789210LJ2026-11~17271130"
HONEY_GS1 = "]C10106901234567953" "10FM-0901~17280101"
STYLESHEET = Path(__file__).parents[3] / "terminal_ui" / "static" / "terminal.css"


def picking_so_2003(handheld: Any, language: str = "en") -> Any:
    picker = handheld("operator", language)
    picker.open("/pick/")
    picker.scan(order="SO-2003")
    return picker


def receiving(handheld: Any, language: str = "en") -> Any:
    receiver = handheld("operator", language)
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    return receiver


def test_a_3000_character_scan_is_refused_in_one_short_line(handheld: Any,
                                                            ledger: Any) -> None:
    picker = picking_so_2003(handheld)
    for step_scan in (None, "B-01-02-01"):  # at the bin step, then at the item step
        if step_scan:
            picker.scan(step_scan)
        screen = picker.scan("x" * 3000)
        assert screen.status == 422 and screen.banner is not None
        kind, headline, detail = screen.banner
        assert kind == "error" and len(headline) + len(detail) < 100, screen.banner
        assert detail.endswith("…") and "x" * 40 not in screen.html
    noise = picker.scan("\x00\x07???")  # control characters from a bad cable
    assert noise.status == 422 and "\x00" not in noise.html


def test_an_unknown_code_is_called_unknown_and_says_what_was_expected(handheld: Any) -> None:
    receiver = receiving(handheld, "zh")
    screen = receiver.scan("QWERTY")
    assert screen.banner == ("error", "未知条码", "应为 商品条码，实扫 QWERTY")
    assert "与当前步骤不符" not in screen.text


def test_a_badge_at_the_item_step_is_refused_as_a_badge(handheld: Any) -> None:
    receiver = receiving(handheld)
    screen = receiver.scan("BADGE-0002")
    assert screen.banner == ("error", "This is a badge",
                             "Expected an item barcode, scanned a badge")


def test_a_full_bin_says_how_many_more_fit(handheld: Any, floor_app: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        s.execute(update(Location).where(Location.code == "A-03-03-01").values(capacity=5))
    operator, _ = putaway_to_bin_step(handheld)
    operator.language = "zh"
    full = operator.scan("A-03-03-01")
    assert full.banner == ("error", "货位放不下", "A-03-03-01 只能再放 5 件")


def test_a_bad_quantity_talks_about_the_quantity(handheld: Any, ledger: Any) -> None:
    receiver = receiving(handheld, "zh")
    receiver.scan(TEA_GS1)
    screen = receiver.scan("1000000000")
    assert screen.banner == ("error", "数量超出", "最多 999999999，输入的是 1000000000")
    assert "TEA-001" not in screen.banner[2] and ledger.units("DOCK-1", "TEA-001") == 0


def test_a_typed_quarantine_reason_is_kept_as_the_note_and_the_reason_still_asked(
        handheld: Any, ledger: Any) -> None:
    receiver = receiving(handheld)
    receiver.scan(HONEY_GS1)
    assert receiver.scan("4", action="quarantine").prompt == "Why?"
    typed = receiver.scan("broken jar")
    assert typed.banner is None or "quantity" not in typed.banner[1].lower()
    assert typed.prompt == "Why?" and "broken jar" in typed.html
    assert ledger.units("QC-1", "HON-040") == 0
    done = receiver.scan(reason="damaged", note="broken jar")
    assert done.banner == ("ok", "4 × HON-040 to quarantine", "")
    assert ledger.reasons("receive")[-1] == ("damaged", "broken jar")


def test_codes_in_a_refusal_never_break_on_a_narrow_screen(handheld: Any) -> None:
    picker = picking_so_2003(handheld)
    screen = picker.scan("B-01-02-02")
    assert screen.banner == ("error", "Wrong bin", "Expected B-01-02-01, scanned B-01-02-02")
    assert ('Expected <span class="code">B-01-02-01</span>, scanned '
            '<span class="code">B-01-02-02</span>') in screen.html
    assert ".code { white-space: nowrap; }" in STYLESHEET.read_text()


def test_the_print_queue_lays_each_job_out_as_a_card_on_a_phone(handheld: Any,
                                                               floor_app: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="packing",
                gateway="main", user_id=None, title="A-01-01-01")
    admin = handheld("admin")
    page = admin.open("/office/print-jobs")
    assert page.status == 200
    assert '<table class="jobs">' in page.html and '<tr class="head">' in page.html
    assert '<td class="actions">' in page.html and "Reprint" in page.html
    css = STYLESHEET.read_text()
    phone = css[css.index("@media (max-width: 600px)"):]
    assert "table.jobs tr { border" in phone and "table.jobs img { max-width: 100%;" in phone
