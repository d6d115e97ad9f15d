"""The station bridge: the one process that owns the scanners' serial ports. Each scanner has
a reader thread that writes scans and device events to the spool; one sender thread posts
them to the app in order. Run it as `wms bridge` or `python -m drivers.bridge`."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from datetime import UTC, datetime

import click
from serial.tools.list_ports import comports

from drivers.config import BridgeConfig, ConfigError, ScannerConfig, load_config
from drivers.delivery import Sender
from drivers.serial_scanner import SerialScanner, open_port, why_not_open
from drivers.spool import Spool

log = logging.getLogger("wms.bridge")

READ_SLICE_SECONDS = 0.25  # how quickly a reader notices the stop
HEARTBEAT_SECONDS = 10.0  # how often the bridge rewrites its heartbeat file


def utc_stamp(at: datetime | None = None) -> str:
    """An ISO 8601 time in UTC with milliseconds, such as 2025-03-01T08:15:02.120+00:00."""
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


class Bridge:
    """Owns the configured scanners and the delivery of what they read, until stopped."""

    def __init__(self, config: BridgeConfig) -> None:
        self.config = config
        self.spool = Spool(config.spool)
        self.stop_event = threading.Event()
        self.sender = Sender(self.spool, config.app_url, config.read_token,
                             timeout=config.request_timeout_seconds,
                             retry_max=config.retry_max_seconds,
                             token_retry=config.auth_retry_seconds, stop=self.stop_event)
        self.scanners = [self._scanner(c) for c in config.scanners.values()]
        self._threads: list[threading.Thread] = []
        self._last_beat: float | None = None

    def beat(self) -> None:
        """Rewrite the heartbeat file (at most every HEARTBEAT_SECONDS): the app's status
        page tells from its time whether the bridge runs."""
        now = time.monotonic()
        if self._last_beat is not None and now - self._last_beat < HEARTBEAT_SECONDS:
            return
        try:
            self.config.heartbeat.parent.mkdir(parents=True, exist_ok=True)
            self.config.heartbeat.write_text(utc_stamp() + "\n")
        except OSError as exc:
            log.warning("bridge: cannot write the heartbeat %s: %s", self.config.heartbeat, exc)
        self._last_beat = now

    def _scanner(self, config: ScannerConfig) -> SerialScanner:
        def on_state(device: str, state: str, reason: str, detail: str) -> None:
            self.spool.append("device", config.station, device, {
                "device": device, "state": state, "reason": reason, "detail": detail,
                "at": utc_stamp()})

        return SerialScanner(config.name, config.url, baudrate=config.baudrate,
                             terminator=config.terminator, gs_replacement=config.gs_replacement,
                             repeat_window=config.repeat_window, on_state=on_state,
                             reconnect_initial=config.reconnect_min_seconds,
                             reconnect_max=config.reconnect_max_seconds)

    def start(self) -> None:
        """Start one reader thread per scanner and the sender thread."""
        for scanner, config in zip(self.scanners, self.config.scanners.values(), strict=True):
            self._threads.append(threading.Thread(
                target=self._read, args=(scanner, config.station),
                name=f"scanner-{scanner.name}", daemon=True))
        self._threads.append(threading.Thread(target=self.sender.run, name="sender",
                                              daemon=True))
        for thread in self._threads:
            thread.start()
        log.info("bridge: %s -> %s; spool %s (%d waiting)",
                 ", ".join(f"{c.name}@{c.station}" for c in self.config.scanners.values()),
                 self.config.app_url, self.config.spool, len(self.spool))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading and sending; undelivered entries stay in the spool for next time."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _read(self, scanner: SerialScanner, station: str) -> None:
        try:
            while not self.stop_event.is_set():
                try:
                    scan = scanner.read_scan(READ_SLICE_SECONDS)
                    if scan is None:
                        continue
                    body = {"raw": scan.raw, "device": scan.device,
                            "scanned_at": utc_stamp(scan.at)}
                    if scan.repeat:  # shown at the station, not counted
                        body["ignored"] = "repeat"
                    entry = self.spool.append("scan", station, scan.device, body)
                    log.info("%s@%s scanned %r (%s)", scan.device, station, scan.raw,
                             entry.idempotency_key)
                except Exception:  # noqa: BLE001 - a reader must outlive any one failure
                    log.exception("%s: reading or spooling failed; going on", scanner.name)
                    self.stop_event.wait(1.0)
        finally:
            scanner.close()


def check(config: BridgeConfig) -> tuple[list[str], bool]:
    """Lines describing the ports this machine sees and whether each scanner opens."""
    lines = ["serial ports on this machine:"]
    ports = sorted(comports(), key=lambda p: p.device)
    lines += [f"  {p.device}  {p.description}  [{p.hwid}]" for p in ports] or ["  (none)"]
    lines.append(f"scanners in {config.path}:")
    ok = bool(config.scanners)
    if not config.scanners:
        lines.append("  (none: add a [scanners.NAME] table)")
    for scanner in config.scanners.values():
        where = f"  {scanner.name} ({scanner.station}) {scanner.url}"
        try:
            open_port(scanner.url, scanner.baudrate).close()
        except (OSError, ValueError) as exc:
            ok = False
            lines.append(f"{where}: does not open: {why_not_open(exc)}")
        else:
            lines.append(f"{where}: opens")
    try:
        config.read_token()
        token = "present"
    except ConfigError as exc:
        token = f"MISSING: {exc}"
    lines.append(f"app: {config.app_url}, token {token}, spool {config.spool}")
    return lines, ok


@click.command("bridge")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="The gateway's TOML file (default: $WMS_CONFIG_PATH or var/wms.toml).")
@click.option("--check", "check_only", is_flag=True,
              help="List serial ports and whether each configured scanner opens, then stop.")
def command(config_file: str | None, check_only: bool) -> None:
    """Read the station scanners and deliver their scans to the app (one process per gateway)."""
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if check_only:
        lines, ok = check(config)
        click.echo("\n".join(lines))
        sys.exit(0 if ok else 1)
    if not config.scanners:
        raise click.ClickException(f"no scanners configured in {config.path}: add a "
                                   "[scanners.NAME] table")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    bridge = Bridge(config)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: bridge.stop_event.set())
    bridge.start()
    bridge.beat()
    while not bridge.stop_event.wait(1.0):
        bridge.beat()
    log.info("bridge: stopping (%d entries wait in the spool)", len(bridge.spool))
    bridge.stop()


if __name__ == "__main__":
    command()
