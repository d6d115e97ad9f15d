"""API v1: the gateway's status for the supervisor (GET /health, outside the registry, is
the cheap liveness answer for monitors)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wms.api.registry import Call, Reply, api
from wms.api.serialize import DatabaseStatusJson, GatewayStatusJson, HeartbeatStatusJson
from wms.config import Settings
from wms.models import utcnow
from wms.services.gateway_status import (
    DatabaseStatus,
    GatewayStatus,
    HeartbeatStatus,
    gateway_status,
    unreachable_database,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _heartbeat(part: HeartbeatStatus) -> HeartbeatStatusJson:
    return {"ok": part.ok, "message": part.message, "last_beat": _iso(part.last_beat),
            "age_seconds": part.age_seconds}


def _database(d: DatabaseStatus) -> DatabaseStatusJson:
    return {"ok": d.ok, "message": d.message, "engine": d.engine, "reachable": d.reachable,
            "round_trip_ms": d.round_trip_ms, "revision": d.revision,
            "code_revision": d.code_revision}


def status_json(status: GatewayStatus) -> GatewayStatusJson:
    disk, b = status.disk, status.backup
    return {
        "ok": status.ok, "gateway": status.gateway, "checked_at": status.checked_at.isoformat(),
        "database": _database(status.database),
        "disk": {"ok": disk.ok, "message": disk.message, "path": disk.path,
                 "free_bytes": disk.free_bytes, "total_bytes": disk.total_bytes,
                 "free_pct": disk.free_pct},
        "backup": {"ok": b.ok, "message": b.message, "path": b.path,
                   "taken_at": _iso(b.taken_at), "age_hours": b.age_hours},
        "print_worker": _heartbeat(status.print_worker),
        "bridge": _heartbeat(status.bridge),
        "printers": [{"ok": p.ok, "message": p.message, "printer": p.printer,
                      "pending": p.pending, "failed": p.failed, "last_error": p.last_error,
                      "last_error_job": p.last_error_job,
                      "last_error_reason": p.last_error_reason} for p in status.printers],
        "scanners": [{"ok": s.ok, "message": s.message, "station": s.station,
                      "device": s.device, "connected": s.connected, "since": s.since,
                      "detail": s.detail, "reason": s.reason} for s in status.scanners],
    }


@api("GET", "/status", permission="status", tag="system", response=GatewayStatusJson,
     summary="This gateway's status: its name, the database, disk, last backup, print "
             "worker and bridge heartbeats, each of its printers' queue and each of its "
             "scanners (supervisor)")
def get_status(call: Call) -> Reply:
    return 200, status_json(gateway_status(call.session, call.settings, call.site))


def unreachable_status_json(settings: Settings) -> dict[str, Any]:
    """The part of the status that can be told while the database cannot be reached."""
    return {"ok": False, "gateway": settings.gateway, "checked_at": utcnow().isoformat(),
            "database": _database(unreachable_database(settings.database_url))}
