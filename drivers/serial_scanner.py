"""Serial scanners (USB CDC-ACM, RS-232, ptys, any pyserial URL such as loop:// or socket://).
A scanner that disappears is reported gone and reopened by its configured path with back-off,
so a udev symlink that now points at a new device is picked up."""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable

import serial

from drivers.backoff import Backoff
from drivers.scanner import Scanner

log = logging.getLogger("wms.bridge.scanner")

StateCallback = Callable[[str, str, str, str], None]
"""Called with (device name, "connected" | "disconnected", reason, detail): the reason a
code from REASONS that the gateway's pages put in the reader's words, the detail the
technical text for the log."""

# Why a scanner is connected or not.
REASONS = ("opened", "in_use", "permission_denied", "no_device", "cannot_open", "lost")

POLL_SECONDS = 0.1


def open_port(url: str, baudrate: int = 9600, timeout: float = POLL_SECONDS) -> serial.Serial:
    """Open `url` (a device path or a pyserial URL) for exclusive use where supported."""
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, exclusive=True,
                                     do_not_open=True)
    except (TypeError, ValueError):
        # Some URL handlers take no `exclusive`; a bad URL fails again just below.
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, do_not_open=True)
    port.open()
    return port


_OPEN_FAILURES = {errno.EAGAIN: "in_use", errno.EBUSY: "in_use",
                  errno.EACCES: "permission_denied", errno.ENOENT: "no_device"}
_HINTS = {"in_use": "in use by another process (is the bridge already running?)",
          "permission_denied": "permission denied (is the user in the dialout group?)",
          "no_device": "no such device (unplugged?)"}


def open_failure(exc: BaseException) -> str:
    """The reason code of a failed open (one of REASONS)."""
    return _OPEN_FAILURES.get(getattr(exc, "errno", None) or 0, "cannot_open")


def why_not_open(exc: BaseException) -> str:
    """A short reason for a failed open, with a hint for the usual causes."""
    hint = _HINTS.get(open_failure(exc))
    return f"{hint}: {exc}" if hint else str(exc) or type(exc).__name__


class SerialScanner(Scanner):
    """A scanner on a serial port that survives being unplugged and plugged back in."""

    def __init__(self, name: str, url: str, *, baudrate: int = 9600, terminator: str = "CR",
                 gs_replacement: str | None = None, repeat_window: float | None = None,
                 on_state: StateCallback | None = None, reconnect_initial: float = 0.2,
                 reconnect_max: float = 5.0) -> None:
        super().__init__(name, terminator=terminator, gs_replacement=gs_replacement,
                         repeat_window=repeat_window)
        self.url = url
        self.baudrate = baudrate
        self.state: str | None = None
        self._on_state = on_state
        self._port: serial.Serial | None = None
        self._backoff = Backoff(reconnect_initial, reconnect_max)
        self._next_attempt = 0.0

    @property
    def port(self) -> serial.SerialBase | None:
        """The open port, or None while the device is away."""
        return self._port

    def open(self) -> None:
        """Open the port now; raises OSError or ValueError with the reason when it cannot."""
        self._port = open_port(self.url, self.baudrate)
        self._backoff.reset()
        self._report("connected", "opened", f"opened {self.url}")

    def close(self) -> None:
        """Close the port; the next read opens it again."""
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except OSError as exc:  # a vanished device can fail even to close
                log.debug("%s: closing: %s", self.name, exc)

    def _read_bytes(self, timeout: float) -> bytes:
        if self._port is None:
            self._reconnect(timeout)
            return b""
        try:
            data = self._port.read(1)
            waiting = self._port.in_waiting if data else 0
            return data + self._port.read(waiting) if waiting else data
        except (serial.SerialException, OSError) as exc:
            self._lost(str(exc) or type(exc).__name__)
            return b""

    def _reconnect(self, timeout: float) -> None:
        wait = self._next_attempt - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, timeout))
            return
        try:
            self.open()
        except (OSError, ValueError) as exc:
            delay = self._backoff.next_delay()
            self._next_attempt = time.monotonic() + delay
            self._report("disconnected", open_failure(exc),
                         f"cannot open {self.url}: {why_not_open(exc)}")
            log.debug("%s: cannot open %s, next try in %.1f s", self.name, self.url, delay)

    def _lost(self, detail: str) -> None:
        self.close()
        self._drop_partial("the device went away mid-scan")
        self._backoff.reset()
        self._next_attempt = time.monotonic() + self._backoff.next_delay()
        self._report("disconnected", "lost", f"lost {self.url}: {detail}")

    def _report(self, state: str, reason: str, detail: str) -> None:
        """Tell the owner about a change of state, once per change."""
        if state == self.state:
            return
        self.state = state
        (log.info if state == "connected" else log.warning)("%s %s: %s", self.name, state,
                                                            detail)
        if self._on_state is not None:
            self._on_state(self.name, state, reason, detail)
