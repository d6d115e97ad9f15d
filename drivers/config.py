"""The bridge's part of the gateway configuration file (TOML): the `[bridge]` table and one
`[scanners.NAME]` table per scanner. Other tables (printers) belong to the app and are ignored."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from drivers.scanner import TERMINATORS

DEFAULT_PATH = "var/wms.toml"
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ConfigError(ValueError):
    """The configuration says something that cannot work; the message names table and key."""


@dataclass(frozen=True)
class ScannerConfig:
    name: str
    url: str
    station: str
    terminator: str = "CR"
    baudrate: int = 9600
    gs_replacement: str | None = None
    presentation_mode: bool = False
    repeat_window_ms: int = 1000

    @property
    def repeat_window(self) -> float | None:
        """Seconds within which a re-read of one code is not counted; None (every read
        counts) unless the scanner is in presentation mode."""
        return self.repeat_window_ms / 1000 if self.presentation_mode else None
    reconnect_min_seconds: float = 0.2
    reconnect_max_seconds: float = 5.0


@dataclass(frozen=True)
class BridgeConfig:
    app_url: str = "http://127.0.0.1:8000"
    token: str | None = None
    token_file: Path | None = Path("var/station-token")
    spool: Path = Path("var/bridge-spool")
    # Rewritten every few seconds while the bridge runs: the app's status page reads its time
    # (the app's WMS_HEARTBEAT_DIR/bridge, var/heartbeats/bridge by default).
    heartbeat: Path = Path("var/heartbeats/bridge")
    retry_max_seconds: float = 5.0
    auth_retry_seconds: float = 30.0
    request_timeout_seconds: float = 10.0
    scanners: dict[str, ScannerConfig] = field(default_factory=dict)
    path: Path | None = None

    def read_token(self) -> str:
        """The station token, read afresh from `token_file` so a fixed file needs no restart."""
        if self.token:
            return self.token
        assert self.token_file is not None
        try:
            token = self.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"[bridge] token_file: cannot read {self.token_file}: "
                              f"{exc.strerror or exc}") from exc
        if not token:
            raise ConfigError(f"[bridge] token_file: {self.token_file} is empty")
        return token


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The file to read: `explicit`, else $WMS_CONFIG_PATH, else var/wms.toml."""
    return Path(explicit or os.environ.get("WMS_CONFIG_PATH") or DEFAULT_PATH)


def load_config(path: str | os.PathLike[str] | None = None) -> BridgeConfig:
    """Read and check the bridge configuration from the gateway's TOML file."""
    file = config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{file}: no such configuration file") from exc
    except OSError as exc:
        raise ConfigError(f"{file}: {exc.strerror or exc}") from exc
    config = parse_config(text, file)
    override = os.environ.get("WMS_BRIDGE_APP_URL")
    if override:  # e.g. the app serving on another port than the file says
        config = replace(config, app_url=_checked_url(override.rstrip("/"), "WMS_BRIDGE_APP_URL"))
    return config


def _checked_url(app_url: str, where: str) -> str:
    parts = urlsplit(app_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where} app_url: an http:// or https:// address, not {app_url!r}")
    return app_url


def parse_config(text: str, path: Path | None = None) -> BridgeConfig:
    """Check the `[bridge]` and `[scanners.*]` tables of a TOML document."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path or 'configuration'}: {exc}") from exc
    bridge = _table(raw, "bridge", "[bridge]")
    scanners = _table(raw, "scanners", "[scanners]")
    stations = tuple(_table(raw, "stations", "[stations]"))
    parsed = {name: _scanner(name, _table(scanners, name, f"[scanners.{name}]"), stations)
              for name in scanners}
    _no_shared_devices(parsed)
    return _bridge(bridge, parsed, path)


def _table(raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: must be a table")
    return value


def _bridge(raw: dict[str, Any], scanners: dict[str, ScannerConfig],
            path: Path | None) -> BridgeConfig:
    where = "[bridge]"
    _known_keys(raw, where, ("app_url", "token", "token_file", "spool", "heartbeat",
                             "retry_max_seconds", "auth_retry_seconds",
                             "request_timeout_seconds"))
    app_url = _checked_url(_text(raw, where, "app_url", BridgeConfig.app_url).rstrip("/"),
                           where)
    if "token" in raw and "token_file" in raw:
        raise ConfigError(f"{where} token, token_file: set one of them, not both")
    token = _text(raw, where, "token", "") or None
    token_file = None if token else Path(_text(raw, where, "token_file", "var/station-token"))
    return BridgeConfig(
        app_url=app_url, token=token, token_file=token_file,
        spool=Path(_text(raw, where, "spool", "var/bridge-spool")),
        heartbeat=Path(_text(raw, where, "heartbeat", "var/heartbeats/bridge")),
        retry_max_seconds=_seconds(raw, where, "retry_max_seconds", 5.0, minimum=0.1),
        auth_retry_seconds=_seconds(raw, where, "auth_retry_seconds", 30.0, minimum=0.1),
        request_timeout_seconds=_seconds(raw, where, "request_timeout_seconds", 10.0,
                                         minimum=0.1),
        scanners=scanners, path=path)


def _scanner(name: str, raw: dict[str, Any], stations: tuple[str, ...]) -> ScannerConfig:
    where = f"[scanners.{name}]"
    if not NAME.match(name):
        raise ConfigError(f"{where}: a scanner name is letters, digits, '-' and '_'")
    if "dedupe_seconds" in raw:
        raise ConfigError(f"{where} dedupe_seconds: no longer used; every read of a trigger "
                          "scanner counts. For a scanner in presentation mode set "
                          "presentation_mode = true and repeat_window_ms (such as 1000)")
    _known_keys(raw, where, ("url", "station", "terminator", "baudrate", "gs_replacement",
                             "presentation_mode", "repeat_window_ms", "reconnect_min_seconds",
                             "reconnect_max_seconds"))
    url = _text(raw, where, "url", "")
    if not url:
        raise ConfigError(f"{where} url: missing (a device path or a pyserial URL)")
    station = _text(raw, where, "station", "")
    if stations and station not in stations:
        raise ConfigError(f"{where} station: one of the [stations] tables "
                          f"({', '.join(stations)}), not {station!r}")
    if not NAME.match(station):
        raise ConfigError(f"{where} station: the name of a station (letters, digits, '-' and "
                          f"'_'), not {station!r}")
    terminator = _text(raw, where, "terminator", "CR")
    if terminator not in TERMINATORS:
        raise ConfigError(f"{where} terminator: one of {', '.join(TERMINATORS)}, "
                          f"not {terminator!r}")
    baudrate = raw.get("baudrate", 9600)
    if isinstance(baudrate, bool) or not isinstance(baudrate, int) or baudrate <= 0:
        raise ConfigError(f"{where} baudrate: a positive whole number such as 9600, "
                          f"not {baudrate!r}")
    gs = _text(raw, where, "gs_replacement", "") or None
    if gs is not None and (len(gs) != 1 or gs.isalnum() or not gs.isprintable() or gs == " "):
        raise ConfigError(f"{where} gs_replacement: one printable character that is not a "
                          f"letter, digit or space (such as '~'), not {gs!r}")
    presentation = raw.get("presentation_mode", False)
    if not isinstance(presentation, bool):
        raise ConfigError(f"{where} presentation_mode: true or false, not {presentation!r}")
    window = raw.get("repeat_window_ms", 1000)
    if isinstance(window, bool) or not isinstance(window, int) or not 50 <= window <= 10000:
        raise ConfigError(f"{where} repeat_window_ms: a whole number of milliseconds from 50 "
                          f"to 10000, not {window!r}")
    if "repeat_window_ms" in raw and not presentation:
        raise ConfigError(f"{where} repeat_window_ms: only for a scanner in presentation mode "
                          "(presentation_mode = true); a trigger scanner counts every read")
    low = _seconds(raw, where, "reconnect_min_seconds", 0.2, minimum=0.01)
    high = _seconds(raw, where, "reconnect_max_seconds", 5.0, minimum=0.01)
    if high < low:
        raise ConfigError(f"{where} reconnect_max_seconds: at least reconnect_min_seconds "
                          f"({low})")
    return ScannerConfig(name=name, url=url, station=station, terminator=terminator,
                         baudrate=baudrate, gs_replacement=gs, presentation_mode=presentation,
                         repeat_window_ms=window, reconnect_min_seconds=low,
                         reconnect_max_seconds=high)


def _known_keys(raw: dict[str, Any], where: str, known: tuple[str, ...]) -> None:
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"{where} {unknown[0]}: unknown key; known: {', '.join(known)}")


def _text(raw: dict[str, Any], where: str, key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where} {key}: a quoted string, not {value!r}")
    return value.strip() if key != "gs_replacement" else value


def _seconds(raw: dict[str, Any], where: str, key: str, default: float, *,
             minimum: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"{where} {key}: a number of seconds, at least {minimum}, "
                          f"not {value!r}")
    return float(value)


def _no_shared_devices(scanners: dict[str, ScannerConfig]) -> None:
    seen: dict[str, str] = {}
    for scanner in scanners.values():
        if scanner.url in seen:
            raise ConfigError(f"[scanners.{scanner.name}] url: {scanner.url!r} is already "
                              f"[scanners.{seen[scanner.url]}]'s device")
        seen[scanner.url] = scanner.name
