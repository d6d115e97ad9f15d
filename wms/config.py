"""Settings: defaults, then `WMS_*` environment variables, then explicit overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

# The gateway a database's rows belong to when none is named (and every row from before
# gateways were named): one gateway needs no name.
DEFAULT_GATEWAY = "main"


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    over_receipt_tolerance_pct: float = 0.0
    count_variance_pct: float = 5.0
    count_variance_units: int = 2
    max_body_bytes: int = 1_000_000
    # An uploaded import file (CSV or XLSX) may be this large.
    max_upload_bytes: int = 64_000_000
    # Where the office's imports keep their files and progress while they run.
    imports_dir: str = "var/imports"
    # Where `wms backup` (and its daily timer) keeps the backups, one file per backup named
    # wms-YYYYmmddTHHMMSSZ.sqlite3 (or .pgdump on PostgreSQL); best on a second disk or a
    # network share.
    backup_dir: str = "var/backups"
    # The PostgreSQL client programs (pg_dump, pg_restore, psql) that back up and restore a
    # PostgreSQL database; empty: the newest in /usr/lib/postgresql/*/bin, then the PATH.
    pg_bin_dir: str = ""
    # How deep a JSON body may nest arrays and objects (checked before it is parsed).
    max_json_depth: int = 32
    api_page_limit: int = 500
    config_path: str = "var/wms.toml"
    # This gateway's name (`WMS_GATEWAY`), when several gateways (one per site) share one
    # PostgreSQL: the printers, stations and scanners of its hardware file are its own, its
    # print worker prints only its printers' jobs, its stations' scans stay with it.
    gateway: str = DEFAULT_GATEWAY
    secret_key: str = ""
    shift_hours: int = 10
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port/-Prefix
    # headers are trusted (0: none; 1: one proxy on the gateway terminating TLS).
    proxy_hops: int = 0
    # Sign-in limits over ten minutes (see wms/signin.py): attempts for one name or badge
    # from one address; attempts from one address for all names together (handhelds behind
    # one Wi-Fi NAT share it); failures of one name from all addresses together.
    login_attempts: int = 5
    login_address_attempts: int = 30
    login_name_attempts: int = 50
    # What a handheld's wedge scanner types for the GS separator of GS1 codes (it cannot type
    # the control character itself); several stand-ins may be listed, separated by spaces.
    gs_replacement: str = "~"
    # The warehouse's time zone, for the times the pages show (the database keeps UTC).
    timezone: str = "Asia/Shanghai"
    # Days of shelf life a lot must have left to be received without quarantine or a
    # supervisor's override, for items that set no `min_shelf_life_days` of their own
    # (0: only lots already expired are held back).
    min_shelf_life_days: int = 0
    # The warehouse (code) that orders naming none are allocated from; empty: the one
    # warehouse that can fill the order best.
    home_warehouse: str = ""
    # ABC classes: an item is A while the share of the items ranked before it is below
    # abc_a_share, B while below abc_b_share, else C.
    abc_a_share: float = 0.80
    abc_b_share: float = 0.95
    # Days between counts of a bin, by the best ABC class of the items in it.
    count_days_a: int = 7
    count_days_b: int = 30
    count_days_c: int = 90
    # Where the print worker and the bridge leave their heartbeat files (see wms/heartbeats.py).
    heartbeat_dir: str = "var/heartbeats"
    # The gateway's status page warns when the newest backup is older than this, when the
    # database's disk has less than either limit free, and when a heartbeat is older than this.
    backup_max_age_hours: float = 26.0
    disk_min_free_pct: float = 10.0
    disk_min_free_bytes: int = 1024**3
    heartbeat_max_age_seconds: float = 60.0
    # 1 when Litestream replicates the SQLite file (`WMS_LITESTREAM=1`, see
    # deploy/litestream.yml.example): Litestream then owns the checkpoints of the write-ahead
    # log (it holds a read transaction so that none passes frames it has not copied, and
    # checkpoints after each copy), and the app's own background checkpointer stays off.
    litestream: int = 0

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url())


def default_database_url() -> str:
    """`var/wms.sqlite3` under the working directory."""
    return f"sqlite:///{Path.cwd() / 'var' / 'wms.sqlite3'}"


def _coerce(kind: type, raw: str) -> object:
    if kind is float or kind == "float":
        return float(raw)
    if kind is int or kind == "int":
        return int(raw)
    return raw


def load_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    """Build settings from the environment (`WMS_DATABASE_URL`, ...) and then `overrides`."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = os.environ.get(f"WMS_{f.name.upper()}")
        if raw:
            values[f.name] = _coerce(f.type, raw)  # type: ignore[arg-type]
    known = {f.name for f in fields(Settings)}
    values.update({k: v for k, v in (overrides or {}).items() if k in known})
    return Settings(**values)
