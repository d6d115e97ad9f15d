"""The dock screen's inspection reason: kept as a code, shown in the viewer's language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.integration.stations.test_station_screens import screen_of
from tests.support.handheld import text_of
from wms.models import StationEvent, StationState


def choice_shown(html: str) -> str:
    """The dock's mode band: the disposition, then the reason."""
    band = html.split('data-role="inspection"', 1)[1].split("</strong>", 1)[0]
    return text_of("<div " + band)


def test_a_dock_inspection_reason_is_kept_as_a_code_and_shown_in_each_language(
        station_app: Any) -> None:
    chinese = screen_of(station_app, language="zh")
    chinese.open("/stations/dock")
    chosen = chinese.client.post("/stations/dock/inspection", data={
        "choice": "quarantine:damaged"}, headers={"X-CSRFToken": chinese.csrf,
                                                  "HX-Request": "true"})
    assert choice_shown(chosen.get_data(as_text=True)).endswith("破损")
    db = station_app.extensions["wms.db"]
    with db.read() as s:
        state = s.get(StationState, ("main", "dock"))
        event = s.scalars(select(StationEvent).order_by(StationEvent.id.desc())).first()
        assert state is not None and event is not None
        assert state.data["reason"] == "damaged" and event.params["reason"] == "damaged"
    english = screen_of(station_app, language="en")
    page = english.open("/stations/dock")
    assert choice_shown(page.html) == "Next scan: QUARANTINE – Damaged"
