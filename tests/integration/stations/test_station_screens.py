"""The dock and packing screens: they follow the bridge's scans, answer "nothing new" cheaply,
take a typed scan and the dock's inspection choice, and show the documents being printed."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Api
from tests.integration.stations.conftest import pick_in_full, sign_in
from tests.support.handheld import Handheld, text_of
from wms.demo import DEMO_USERS

PEOPLE = {u.role: u for u in DEMO_USERS}
GS = "\x1d"
HONEY = f"]C10106901234567953{GS}17280101{GS}10FM-1"


def screen_of(station_app: Any, role: str = "operator", language: str = "en") -> Handheld:
    device = Handheld(station_app.test_client())
    device.language = language
    person = PEOPLE[role]
    assert device.sign_in(person.badge, person.pin).status == 302
    return device


def version_of(html: str) -> int:
    found = re.search(r'data-version="(\d+)"', html)
    assert found is not None
    return int(found.group(1))


def test_the_dock_screen_follows_the_scans_as_they_arrive(station_app: Any,
                                                          bridge: Api) -> None:
    screen = screen_of(station_app)
    page = screen.open("/stations/dock")
    assert page.status == 200 and "Scan a purchase order" in page.text
    since = version_of(page.html)
    nothing = screen.client.get(f"/stations/dock/live?since={since}")
    assert nothing.status_code == 204
    sign_in(bridge, "dock")
    since += 1
    bridge.post("/stations/dock/scans", {"raw": "PO-1001", "device": "dock"}, key="s1")
    bridge.post("/stations/dock/scans", {"raw": HONEY, "device": "dock"}, key="s2")
    news = screen.client.get(f"/stations/dock/live?since={since}",
                             headers={"Accept-Language": "en"})
    html = news.get_data(as_text=True)
    assert news.status_code == 200 and version_of(html) == since + 2
    assert 'data-outcome="ok"' in html  # the screen sounds for the new scan
    text = text_of(html)
    assert "Received 1 × HON-040" in text and "Receiving PO-1001" in text
    assert "Ordered 24 Received 1 Rejected 0 Still expected 23" in text


def test_a_refused_scan_is_shown_loudly(station_app: Any, bridge: Api) -> None:
    screen = screen_of(station_app)
    sign_in(bridge, "dock")
    since = version_of(screen.open("/stations/dock").html)
    bridge.post("/stations/dock/scans", {"raw": "6901234567892", "device": "dock"}, key="e1")
    html = screen.client.get(f"/stations/dock/live?since={since}",
                             headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'class="banner error latest"' in html and 'data-outcome="error"' in html
    assert "Scan the order number first" in text_of(html)


def test_the_inspection_choice_applies_to_the_next_scan(station_app: Any, bridge: Api,
                                                        ledger: Any) -> None:
    screen = screen_of(station_app)
    screen.open("/stations/dock")
    chosen = screen.client.post("/stations/dock/inspection", data={
        "choice": "quarantine:damaged"}, headers={"X-CSRFToken": screen.csrf,
                                                  "HX-Request": "true",
                                                  "Accept-Language": "en"})
    assert "Next scan: QUARANTINE – Damaged" in text_of(chosen.get_data(as_text=True))
    sign_in(bridge, "dock")
    bridge.post("/stations/dock/scans", {"raw": "PO-1001"}, key="i1")
    bridge.post("/stations/dock/scans", {"raw": HONEY}, key="i2")
    assert ledger.units("QC-1", "HON-040", "FM-1") == 1


def test_a_scan_typed_at_the_screen_is_applied_once(station_app: Any, ledger: Any) -> None:
    screen = screen_of(station_app)
    page = screen.open("/stations/dock")
    scan_id = re.search(r'name="scan_id" value="(\w+)"', page.html).group(1)  # type: ignore
    headers = {"X-CSRFToken": screen.csrf, "HX-Request": "true"}
    screen.client.post("/stations/dock/scan", data={"scan": "BADGE-0003", "scan_id": "tb"},
                       headers=headers)
    screen.client.post("/stations/dock/scan", data={"scan": "PO-1001", "scan_id": "t0"},
                       headers=headers)
    for _ in range(2):
        screen.client.post("/stations/dock/scan", data={"scan": HONEY.replace(GS, "~"),
                                                        "scan_id": scan_id}, headers=headers)
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 1


def test_the_packing_screen_shows_the_check_and_the_printed_documents(
        station_app: Any, bridge: Api) -> None:
    pick_in_full(bridge, "SO-2003")
    screen = screen_of(station_app, language="zh-CN")
    sign_in(bridge, "packing")
    since = version_of(screen.open("/stations/packing").html)
    bridge.post("/stations/packing/scans", {"raw": "SO-2003"}, key="k1")
    bridge.post("/stations/packing/scans", {"raw": "6901234567922"}, key="k2")
    mid = text_of(screen.client.get(f"/stations/packing/live?since={since}",
                                    headers={"Accept-Language": "zh-CN"}).get_data(as_text=True))
    assert "POT-020 紫砂壶 1 / 2" in mid and "MAT-050 竹制茶盘 0 / 1" in mid
    bridge.post("/stations/packing/scans", {"raw": "6901234567922"}, key="k3")
    bridge.post("/stations/packing/scans", {"raw": "6901234567960"}, key="k4")
    done = screen.client.get(f"/stations/packing/live?since={since}",
                             headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "SO-2003" in text_of(done) and "装箱单" in text_of(done)
    previews = re.findall(r'src="(/office/print-jobs/\d+/preview.png)"', done)
    assert len(previews) == 2

    # The packing printer is unplugged: the packer reads why in the screen's language.
    from wms.models import utcnow
    from wms.services.print_jobs import mark_failed

    job_id = int(re.findall(r'data-job="(\d+)"', done)[0])
    with station_app.extensions["wms.db"].write() as s:
        mark_failed(s, job_id, "printer folder var/prints/packing is not there (unplugged?)",
                    utcnow(), reason="not_connected")
    unplugged = text_of(screen.client.get(f"/stations/packing/live?since={since}",
                                          headers={"Accept-Language": "zh-CN"}
                                          ).get_data(as_text=True))
    assert "打印机未连接：是否已插好并开机？" in unplugged
    assert "printer folder var/prints/packing is not there (unplugged?)" in unplugged


def test_a_station_opens_only_for_roles_that_work_there(station_app: Any) -> None:
    clerk = screen_of(station_app, role="clerk")
    assert clerk.open("/stations/dock").status == 403
    assert clerk.open("/stations/packing").status == 403
    assert screen_of(station_app).open("/stations/garage").status == 404
    stations = screen_of(station_app).open("/stations/")
    assert "Dock station · dock" in stations.text and "Packing station · packing" in stations.text


def test_a_screen_action_that_cannot_be_taken_keeps_the_screen_live(station_app: Any) -> None:
    screen = screen_of(station_app)
    screen.open("/stations/dock")
    headers = {"X-CSRFToken": screen.csrf, "HX-Request": "true", "Accept-Language": "en"}
    screen.client.post("/stations/dock/scan", data={"scan": "PO-1001", "scan_id": "same"},
                       headers=headers)
    reused = screen.client.post("/stations/dock/scan", data={"scan": "PO-1002",
                                                             "scan_id": "same"}, headers=headers)
    html = reused.get_data(as_text=True)
    assert reused.status_code == 422
    assert 'id="live"' in html and 'hx-trigger="every 1s"' in html  # still following scans
    assert "Scan sent twice with different data" in text_of(html)
