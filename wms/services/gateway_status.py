"""The gateway's status for the supervisor: the database, the disk, the last backup, the
print worker's and the bridge's heartbeats, each printer's queue and each scanner. Every part
says whether it is well (`ok`) and why, as a message code the pages translate."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from wms.backups import last_backup
from wms.config import Settings
from wms.heartbeats import BRIDGE, PRINT_WORKER, last_beat
from wms.models import PrintJob, StationState, utcnow
from wms.schema import HEAD_REVISION
from wms.site_config import SiteConfig


@dataclass(frozen=True)
class DatabaseStatus:
    ok: bool
    message: str  # database_ok, database_unreachable, schema_behind, schema_ahead
    engine: str
    reachable: bool
    round_trip_ms: float | None
    revision: str | None
    code_revision: str


@dataclass(frozen=True)
class DiskStatus:
    ok: bool
    message: str  # disk_ok, disk_low, disk_unknown
    path: str
    free_bytes: int | None
    total_bytes: int | None
    free_pct: float | None


@dataclass(frozen=True)
class BackupStatus:
    ok: bool
    message: str  # backup_ok, backup_old, backup_none, backup_not_managed
    path: str | None
    taken_at: datetime | None
    age_hours: float | None


@dataclass(frozen=True)
class HeartbeatStatus:
    ok: bool
    message: str  # heartbeat_ok, heartbeat_stale, heartbeat_none, not_used
    last_beat: datetime | None
    age_seconds: float | None


@dataclass(frozen=True)
class PrinterStatus:
    ok: bool
    message: str  # printer_ok, printer_retrying, printer_failed
    printer: str
    pending: int
    failed: int
    last_error: str | None
    last_error_job: int | None  # the job that had it
    last_error_reason: str | None = None  # its code in print_jobs.PRINT_ERRORS


@dataclass(frozen=True)
class ScannerStatus:
    ok: bool
    message: str  # scanner_connected, scanner_disconnected
    station: str
    device: str
    connected: bool
    since: str | None
    detail: str
    reason: str | None = None  # the bridge's code for why: opened, lost, no_device...


@dataclass(frozen=True)
class GatewayStatus:
    gateway: str  # this gateway's name: the printers and scanners below are its own
    database: DatabaseStatus
    disk: DiskStatus
    backup: BackupStatus
    print_worker: HeartbeatStatus
    bridge: HeartbeatStatus
    printers: list[PrinterStatus] = field(default_factory=list)
    scanners: list[ScannerStatus] = field(default_factory=list)
    checked_at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return all(part.ok for part in self.parts())

    def parts(self) -> list[DatabaseStatus | DiskStatus | BackupStatus | HeartbeatStatus
                            | PrinterStatus | ScannerStatus]:
        return [self.database, self.disk, self.backup, self.print_worker, self.bridge,
                *self.printers, *self.scanners]


def gateway_status(session: Session, settings: Settings, site: SiteConfig) -> GatewayStatus:
    """The gateway's status now."""
    now = utcnow()
    database = database_status(session)
    reachable = database.reachable
    return GatewayStatus(
        gateway=site.gateway,
        database=database,
        disk=disk_status(settings),
        backup=backup_status(settings, now),
        print_worker=heartbeat_status(settings, PRINT_WORKER, bool(site.printers), now),
        bridge=heartbeat_status(settings, BRIDGE, bool(site.stations), now),
        printers=printer_statuses(session, site) if reachable else [],
        scanners=scanner_statuses(session, site) if reachable else [],
        checked_at=now)


def database_status(session: Session) -> DatabaseStatus:
    engine = session.get_bind().dialect.name
    try:
        started = time.perf_counter()
        session.execute(text("SELECT 1"))
        round_trip = (time.perf_counter() - started) * 1000
        revision = session.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:
        session.rollback()
        return unreachable_database(engine)
    if revision == HEAD_REVISION:
        message = "database_ok"
    elif revision is not None and revision > HEAD_REVISION:
        message = "schema_ahead"
    else:
        message = "schema_behind"
    return DatabaseStatus(message == "database_ok", message, engine, True,
                          round(round_trip, 2), revision, HEAD_REVISION)


def unreachable_database(engine_or_url: str) -> DatabaseStatus:
    """The database's status when it cannot be reached (its engine, or its URL)."""
    engine = make_url(engine_or_url).get_backend_name() if ":" in engine_or_url \
        else engine_or_url
    return DatabaseStatus(False, "database_unreachable", engine, False, None, None,
                          HEAD_REVISION)


def database_folder(settings: Settings) -> Path:
    """The folder of a SQLite database file; for a database on a server, the gateway's own
    files (var/: the spool, the imports, the heartbeats)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).resolve().parent
    return Path(settings.heartbeat_dir).resolve().parent


def disk_status(settings: Settings) -> DiskStatus:
    folder = database_folder(settings)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        usage = shutil.disk_usage(probe)
    except OSError:
        return DiskStatus(False, "disk_unknown", str(folder), None, None, None)
    pct = round(usage.free * 100 / usage.total, 1) if usage.total else 0.0
    low = pct < settings.disk_min_free_pct or usage.free < settings.disk_min_free_bytes
    return DiskStatus(not low, "disk_low" if low else "disk_ok", str(folder), usage.free,
                      usage.total, pct)


def backup_status(settings: Settings, now: datetime) -> BackupStatus:
    """The newest backup of the gateway's database in the backup directory and its age. A
    PostgreSQL database whose gateway holds no dump of it is backed up by other means (the
    server's own, or another gateway's timer): not this gateway's business."""
    engine = make_url(settings.database_url).get_backend_name()
    if engine not in ("sqlite", "postgresql"):
        return BackupStatus(True, "backup_not_managed", None, None, None)
    found = last_backup(settings)
    if found is None and engine == "postgresql":
        return BackupStatus(True, "backup_not_managed", None, None, None)
    if found is None:
        return BackupStatus(False, "backup_none", None, None, None)
    path, taken_at = found
    age = (now - taken_at) / timedelta(hours=1)
    old = age > settings.backup_max_age_hours
    return BackupStatus(not old, "backup_old" if old else "backup_ok", str(path), taken_at,
                        round(age, 1))


def heartbeat_status(settings: Settings, name: str, used: bool,
                     now: datetime) -> HeartbeatStatus:
    beat = last_beat(settings.heartbeat_dir, name)
    age = (now - beat).total_seconds() if beat is not None else None
    if beat is None or age is None:
        return HeartbeatStatus(not used, "heartbeat_none" if used else "not_used", None, None)
    if age > settings.heartbeat_max_age_seconds:
        return HeartbeatStatus(not used, "heartbeat_stale" if used else "not_used", beat,
                               round(age, 1))
    return HeartbeatStatus(True, "heartbeat_ok", beat, round(max(age, 0.0), 1))


def printer_statuses(session: Session, site: SiteConfig) -> list[PrinterStatus]:
    """Each printer of this gateway configured (and any other one of it with jobs waiting or
    failed): jobs waiting (queued or being sent), jobs failed for good, and the newest error
    still standing. Other gateways' printers are theirs to show."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(PrintJob.printer, PrintJob.status, func.count())
        .where(PrintJob.gateway == site.gateway,
               PrintJob.status.in_(("queued", "printing", "failed")))
        .group_by(PrintJob.printer, PrintJob.status))
    for printer, status, count in rows:
        counts.setdefault(printer, {})[status] = count
    names = list(site.printers) + sorted(set(counts) - set(site.printers))
    statuses = []
    for name in names:
        by_status = counts.get(name, {})
        pending = by_status.get("queued", 0) + by_status.get("printing", 0)
        failed = by_status.get("failed", 0)
        error = session.execute(
            select(PrintJob.last_error, PrintJob.id, PrintJob.error_reason)
            .where(PrintJob.gateway == site.gateway, PrintJob.printer == name,
                   PrintJob.last_error.is_not(None),
                   PrintJob.status.in_(("queued", "printing", "failed")))
            .order_by(PrintJob.id.desc()).limit(1)).first() if by_status else None
        if failed:
            message = "printer_failed"
        elif error is not None:
            message = "printer_retrying"
        else:
            message = "printer_ok"
        statuses.append(PrinterStatus(
            message == "printer_ok", message, name, pending, failed,
            error[0] if error else None, error[1] if error else None,
            error[2] if error else None))
    return statuses


def scanner_statuses(session: Session, site: SiteConfig) -> list[ScannerStatus]:
    """Each scanner a station of this gateway has heard of, connected or not, by its last
    device event."""
    statuses = []
    states = session.scalars(select(StationState).where(StationState.gateway == site.gateway)
                             .order_by(StationState.station))
    for state in states:
        if site.stations and state.station not in site.stations:
            continue
        for device, known in sorted(((state.data or {}).get("devices") or {}).items()):
            connected = known.get("state") == "connected"
            statuses.append(ScannerStatus(
                connected, "scanner_connected" if connected else "scanner_disconnected",
                state.station, device, connected, known.get("since"),
                str(known.get("detail") or ""), known.get("reason")))
    return statuses
