"""Putaway (suggested bin with its reason, another bin allowed and recorded, a full or
blocked bin refused) and blind counts (no expected figures, recount on a large variance)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from wms.models import AuditEvent, Location

TEA_GS1 = "]C1010690123456789210LJ2026-11~17271130"


def received_tea(handheld: Any, units: str = "10") -> None:
    receiver = handheld("operator")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan(TEA_GS1)
    receiver.scan(units)


def putaway_to_bin_step(handheld: Any) -> Any:
    received_tea(handheld)
    operator = handheld("operator")
    waiting = operator.open("/putaway/")
    assert "Waiting for putaway" in waiting.text and "LJ2026-11" in waiting.text
    operator.scan(TEA_GS1)
    at_bin = operator.scan("")
    assert at_bin.prompt == "Scan the bin"
    return operator, at_bin


def test_putaway_shows_the_suggested_bin_with_its_reason(handheld: Any, ledger: Any) -> None:
    operator, at_bin = putaway_to_bin_step(handheld)
    suggested = at_bin.fields["suggested"]
    assert "Suggested bin" in at_bin.text and "nearest free bin" in at_bin.text
    done = operator.scan(suggested)
    assert done.banner == ("ok", f"Put 10 × TEA-001 in {suggested}", "")
    assert ledger.units(suggested, "TEA-001", "LJ2026-11") == 10
    assert ledger.units("DOCK-1", "TEA-001") == 0


def test_another_valid_bin_is_allowed_and_recorded(handheld: Any, ledger: Any,
                                                   floor_app: Any) -> None:
    operator, at_bin = putaway_to_bin_step(handheld)
    suggested = at_bin.fields["suggested"]
    done = operator.scan("A-03-03-02")
    assert done.banner == ("ok", "Put 10 × TEA-001 in A-03-03-02",
                           f"Suggested {suggested}; your bin is recorded")
    with floor_app.extensions["wms.db"].read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "putaway.other_bin"))
        assert event is not None and event.subject == "A-03-03-02"
        assert event.details["suggested"] == suggested


def test_a_blocked_or_full_bin_is_refused_with_the_reason(handheld: Any, ledger: Any,
                                                          floor_app: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        s.execute(update(Location).where(Location.code == "A-03-03-02").values(blocked=True))
        s.execute(update(Location).where(Location.code == "A-03-03-01").values(capacity=5))
    operator, _ = putaway_to_bin_step(handheld)
    blocked = operator.scan("A-03-03-02")
    assert blocked.status == 422 and blocked.banner == ("error", "Bin blocked", "A-03-03-02")
    full = operator.scan("A-03-03-01")
    assert full.banner == ("error", "Not enough room in the bin",
                           "A-03-03-01 has room for only 5 more")
    assert ledger.units("DOCK-1", "TEA-001") == 10


def test_a_blind_count_never_shows_the_expected_quantity(handheld: Any, ledger: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    opened = counter.scan("B-01-03-01")  # CUP-010: 120 in the books
    assert opened.prompt == "Scan an item in B-01-03-01"
    qty_step = counter.scan("6901234567915")
    assert qty_step.prompt == "How many? Type the quantity, or scan each unit"
    assert "120" not in qty_step.text
    counted = counter.scan("120")
    assert counted.banner == ("ok", "Counted 120 × CUP-010", "")
    submitted = counter.scan(action="finish")
    assert submitted.banner == ("info", "Count sent for approval", "")


def test_a_line_counted_as_the_books_say_shows_no_difference_to_the_supervisor(
        handheld: Any, ledger: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    counter.scan("B-01-03-01")  # CUP-010: 120 in the books
    counter.scan("6901234567915")
    counter.scan("120")
    assert counter.scan(action="finish").banner[1] == "Count sent for approval"

    page = handheld("supervisor").open("/supervisor/")
    card = page.html.split('data-count="')[1].split("</table>")[0]
    row = card.split("CUP-010")[1].split("</tr>")[0]
    cells = [cell.split(">", 1)[1].split("<")[0] for cell in row.split("<td")[1:]]
    assert cells == ["120", "120", "0"]
    assert 'class="num">0</td>' in row and "+0" not in card


def test_a_large_variance_asks_for_a_recount_then_the_supervisor_approves(
        handheld: Any, ledger: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    counter.scan("B-01-03-01")
    counter.scan("6901234567915")
    counter.scan("100")
    recount = counter.scan(action="finish")
    assert recount.banner == ("error", "Count again: the figures differ too much",
                              "Bins to recount: B-01-03-01")
    assert "count again" in recount.text and "120" not in recount.text
    counter.scan("B-01-03-01")
    counter.scan("6901234567915")
    counter.scan("101")
    assert counter.scan(action="finish").banner[1] == "Count sent for approval"
    supervisor = handheld("supervisor")
    page = supervisor.open("/supervisor/")
    assert "Counts to approve" in page.text and "-19" in page.text
    count_id = page.html.split('data-count="')[1].split('"')[0]
    token = page.html.split('name="scan_id" value="')[1].split('"')[0]
    reply = supervisor.client.post(f"/supervisor/counts/{count_id}/approve",
                                   data={"scan_id": token},
                                   headers={"X-CSRFToken": supervisor.csrf,
                                            "Accept-Language": "en"})
    assert reply.status_code == 302
    assert ledger.units("B-01-03-01", "CUP-010") == 101
    again = supervisor.client.post(f"/supervisor/counts/{count_id}/approve",
                                   data={"scan_id": token},
                                   headers={"X-CSRFToken": supervisor.csrf,
                                            "Accept-Language": "en"})
    assert again.status_code == 302 and ledger.units("B-01-03-01", "CUP-010") == 101
    assert "approved: 1 adjustment posted" in supervisor.open("/supervisor/").text


def test_a_lot_tracked_item_asks_for_its_lot_when_counting(handheld: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    counter.scan("A-01-01-01")
    assert counter.scan("6901234567892").prompt == "Scan or type the lot"
    assert counter.scan("LJ2026-03").prompt.startswith("How many?")
    assert counter.scan("30").banner == ("ok", "Counted 30 × TEA-001", "")
    assert "TEA-001 · LJ2026-03 30" in counter.screen.text


def test_the_putaway_step_shows_its_prompt_and_item_once(handheld: Any) -> None:
    _operator, at_bin = putaway_to_bin_step(handheld)
    assert at_bin.html.count('id="prompt"') == 1
    assert at_bin.html.count("Scan the bin") == 1
    assert at_bin.html.count('class="card suggestion"') == 1
    assert at_bin.html.index("Suggested bin") < at_bin.html.index("West Lake Longjing tea")


def test_a_bin_that_is_not_part_of_the_count_is_refused_and_the_count_goes_on(
        handheld: Any) -> None:
    counter = handheld("operator")
    counter.open("/count/")
    counter.scan("B-01-03-01")
    refused = counter.scan("B-01-02-01")
    assert refused.status == 422
    assert refused.banner == ("error", "This bin is not part of the count",
                              "Expected B-01-03-01, scanned B-01-02-01")
    assert refused.prompt == "Scan a bin of this count"
    assert counter.scan("b-01-03-01").prompt == "Scan an item in B-01-03-01"
