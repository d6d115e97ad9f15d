"""API v1: fixed-scanner stations. The scanner bridge posts each scan and each device change
here (with an Idempotency-Key per scan, so a resent scan applies once); a refused scan is
still received: it answers 201 with outcome "error", and the station's screen shows it."""

from __future__ import annotations

from wms.api.registry import Call, Reply, api
from wms.api.schemas import StationDeviceBody, StationScanBody
from wms.api.serialize import StationEventJson, StationJson
from wms.models import StationEvent
from wms.services.stations import (
    handle_scan,
    next_disposition,
    person_at,
    record_device,
    station_named,
    station_view,
)


def event_json(event: StationEvent) -> StationEventJson:
    return {"id": event.id, "gateway": event.gateway, "station": event.station,
            "version": event.version,
            "kind": event.kind, "device": event.device, "raw": event.raw,
            "outcome": event.outcome, "message": event.message, "params": event.params,
            "at": event.at.isoformat()}


@api("POST", "/stations/{station}/scans", permission="station", body=StationScanBody,
     success=201, tag="stations", errors=("invalid",), response=StationEventJson,
     summary="A fixed scanner's scan at a station (dock or packing); its outcome is recorded")
def post_station_scan(call: Call) -> Reply:
    station = station_named(call.site, call.params["station"])
    b = call.body
    event = handle_scan(call.session, station, b.raw, user_id=call.user.id, site=call.site,
                        settings=call.settings, device=b.device, scanned_at=b.scanned_at,
                        repeat_ignored=b.ignored == "repeat")
    return 201, event_json(event)


@api("POST", "/stations/{station}/devices", permission="station", body=StationDeviceBody,
     success=201, tag="stations", errors=("invalid",), response=StationEventJson,
     summary="A station's scanner was connected or disconnected")
def post_station_device(call: Call) -> Reply:
    station = station_named(call.site, call.params["station"])
    b = call.body
    event = record_device(call.session, station, b.device, b.state, b.detail, b.at,
                          reason=b.reason)
    return 201, event_json(event)


@api("GET", "/stations/{station}", permission="read", tag="stations", errors=("invalid",),
     response=StationJson,
     summary="What a station is working on, its scanners and its latest events")
def get_station(call: Call) -> Reply:
    view = station_view(call.session, station_named(call.site, call.params["station"]))
    disposition, reason = next_disposition(view.data)
    person = person_at(view.data, call.settings.shift_hours)
    body: StationJson = {
        "gateway": view.station.gateway, "station": view.station.name, "kind": view.station.kind,
        "location": view.station.location, "version": view.version,
        "order": view.data.get("order"), "inspection": disposition,
        "inspection_reason": reason,
        "signed_in": {"user_id": person["id"], "name": person["name"]} if person else None,
        "devices": view.data.get("devices", {}), "verified": view.data.get("verified", {}),
        "to_pack": view.to_pack, "events": [event_json(e) for e in view.events]}
    return 200, body
