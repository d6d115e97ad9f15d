"""The gateway's hardware configuration file (TOML): printers now, stations and scanners
beside them. Read with the standard library; the app and the worker read the same file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wms.config import DEFAULT_GATEWAY

STATION_KINDS = ("dock", "packing")
BACKENDS = ("directory", "file", "network", "serial", "usb", "dummy")
MODES = ("chinese", "image", "zpl")
DOCUMENT_KINDS = ("bin_label", "lot_label", "lpn_label", "shipping_label", "packing_slip",
                  "receiving_note")


class ConfigError(ValueError):
    """The configuration file says something that cannot work; the message says where."""


@dataclass(frozen=True)
class PrinterConfig:
    name: str
    backend: str
    target: str = ""  # a directory, a device path, host[:port], or a USB "vendor:product"
    paper: int = 80
    mode: str = "chinese"
    profile: str = "default"
    auto: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StationConfig:
    """A fixed-scanner station: a dock (receiving) or a packing bench, booking at `location`."""

    name: str
    kind: str
    location: str
    gateway: str = DEFAULT_GATEWAY  # the gateway whose hardware file names it


@dataclass(frozen=True)
class SiteConfig:
    """One gateway's hardware: its printers and stations are its own (another gateway may
    have a printer or a station of the same name)."""

    printers: dict[str, PrinterConfig] = field(default_factory=dict)
    path: Path | None = None
    stations: dict[str, StationConfig] = field(default_factory=dict)
    gateway: str = DEFAULT_GATEWAY

    def printers_for(self, document: str) -> list[str]:
        """Names of the printers set to print this document kind automatically."""
        return [p.name for p in self.printers.values() if document in p.auto]


def _printer(name: str, raw: dict[str, Any]) -> PrinterConfig:
    where = f"[printers.{name}]"
    backend = raw.get("backend")
    if backend not in BACKENDS:
        raise ConfigError(f"{where} backend: one of {', '.join(BACKENDS)}")
    mode = raw.get("mode", "zpl" if raw.get("language") == "zpl" else "chinese")
    if mode not in MODES:
        raise ConfigError(f"{where} mode: one of {', '.join(MODES)}")
    paper = int(raw.get("paper", 80))
    if paper not in (58, 80):
        raise ConfigError(f"{where} paper: 58 or 80")
    auto = tuple(raw.get("auto", ()))
    unknown = [kind for kind in auto if kind not in DOCUMENT_KINDS]
    if unknown:
        raise ConfigError(f"{where} auto: unknown document {unknown[0]!r}; one of "
                          f"{', '.join(DOCUMENT_KINDS)}")
    known = {"backend", "target", "paper", "mode", "profile", "auto", "language"}
    return PrinterConfig(name=name, backend=backend, target=str(raw.get("target", "")),
                         paper=paper, mode=mode, profile=str(raw.get("profile", "default")),
                         auto=auto, options={k: v for k, v in raw.items() if k not in known})


def _station(name: str, raw: dict[str, Any], gateway: str) -> StationConfig:
    where = f"[stations.{name}]"
    kind = raw.get("kind")
    if kind not in STATION_KINDS:
        raise ConfigError(f"{where} kind: one of {', '.join(STATION_KINDS)}")
    location = raw.get("location")
    if not isinstance(location, str) or not location.strip():
        raise ConfigError(f"{where} location: the location code the station books at")
    return StationConfig(name=name, kind=kind, location=location.strip().upper(),
                         gateway=gateway)


def load_site_config(path: str | Path | None, gateway: str = DEFAULT_GATEWAY) -> SiteConfig:
    """The configuration in `path` of the gateway named `gateway`; an absent file means no
    printers."""
    if not gateway.strip() or len(gateway) > 64:
        raise ConfigError(f"gateway name {gateway!r}: 1 to 64 characters")
    if not path:
        return SiteConfig(gateway=gateway)
    file = Path(path)
    if not file.exists():
        return SiteConfig(path=file, gateway=gateway)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    printers = {name: _printer(name, value) for name, value in raw.get("printers", {}).items()}
    stations = {name: _station(name, value, gateway)
                for name, value in raw.get("stations", {}).items()}
    return SiteConfig(printers=printers, path=file, stations=stations, gateway=gateway)


DEMO_CONFIG = """\
# Hardware of this gateway (read by the app, the print worker and the scanner bridge).
# Printers print queued documents; `auto` lists the documents a
# printer prints by itself when the work that makes them is done.
# backend: directory (writes each job and a preview into a folder), file (a device such as
# /dev/usb/lp0), network (host:9100), serial (/dev/ttyUSB0), usb ("0x0416:0x5011").
# mode: chinese (ESC/POS, GB18030 text), image (ESC/POS, text as pictures), zpl (labels).

[printers.packing]
backend = "directory"
target = "var/prints/packing"
paper = 80
mode = "chinese"
auto = ["packing_slip", "shipping_label"]

[printers.dock]
backend = "directory"
target = "var/prints/dock"
paper = 58
mode = "chinese"
auto = ["lot_label", "receiving_note"]

# Stations: the screens beside the fixed scanners. A dock books received goods at its
# location; a packing bench verifies picked orders there and prints their documents.
[stations.dock]
kind = "dock"
location = "DOCK-1"

[stations.packing]
kind = "packing"
location = "PACK-1"

# The scanner bridge (`wms bridge`) owns the fixed scanners and posts every scan to the app.
[bridge]
app_url = "http://127.0.0.1:8000"
token_file = "var/station-token"
spool = "var/bridge-spool"

# The demo's scanners are simulated (python -m drivers.simulator); a real one is a device
# such as /dev/serial/by-id/usb-Honeywell_..., or /dev/ttyACM0.
[scanners.dock]
url = "var/dev/dock-scanner"
station = "dock"
terminator = "CR"
gs_replacement = "~"

[scanners.packing]
url = "var/dev/packing-scanner"
station = "packing"
terminator = "CR"
"""
