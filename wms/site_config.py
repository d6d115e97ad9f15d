"""The gateway's hardware configuration file (TOML): printers now, stations and scanners
beside them. Read with the standard library; the app and the worker read the same file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
class SiteConfig:
    printers: dict[str, PrinterConfig] = field(default_factory=dict)
    path: Path | None = None

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


def load_site_config(path: str | Path | None) -> SiteConfig:
    """The configuration in `path`; an absent file means no printers."""
    if not path:
        return SiteConfig()
    file = Path(path)
    if not file.exists():
        return SiteConfig(path=file)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    printers = {name: _printer(name, value) for name, value in raw.get("printers", {}).items()}
    return SiteConfig(printers=printers, path=file)


DEMO_CONFIG = """\
# Hardware of this gateway. Printers print queued documents; `auto` lists the documents a
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
"""
