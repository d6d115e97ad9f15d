"""Printer backends: one small base class and one class per way of reaching a printer.
A backend only sends bytes; success is the write succeeding, never a status query (many
printers do not answer them, and python-escpos 3.1 reports "paper OK" when none comes)."""

from __future__ import annotations

import errno
import os
import socket
from abc import ABC, abstractmethod
from pathlib import Path

from wms.site_config import PrinterConfig

_REASONS_BY_ERRNO = {errno.ENOENT: "not_connected", errno.ENODEV: "not_connected",
                     errno.ENXIO: "not_connected", errno.EACCES: "permission_denied",
                     errno.EPERM: "permission_denied", errno.EBUSY: "busy",
                     errno.ECONNREFUSED: "unreachable", errno.EHOSTUNREACH: "unreachable",
                     errno.ENETUNREACH: "unreachable", errno.ETIMEDOUT: "unreachable"}


class PrinterUnavailable(Exception):
    """The printer could not take the job now (off, unplugged, out of paper, unreachable).
    `reason` is one of wms.services.print_jobs.PRINT_ERRORS, for the pages to put in the
    reader's words; the message is the technical text."""

    def __init__(self, message: str, reason: str = "failed") -> None:
        super().__init__(message)
        self.reason = reason


def reason_of(exc: BaseException, default: str = "failed") -> str:
    """The reason code of an operating-system error (a missing device, no permission...)."""
    if isinstance(exc, TimeoutError | socket.gaierror):
        return "unreachable"
    return _REASONS_BY_ERRNO.get(getattr(exc, "errno", None) or 0, default)


class PrinterBackend(ABC):
    """Where a printer's bytes go."""

    wants_preview = False

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config

    @abstractmethod
    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        """Deliver one job's bytes, or raise PrinterUnavailable."""


class DirectoryPrinter(PrinterBackend):
    """A printer simulated by a folder: each job becomes `<name>.bin` (the exact bytes) and
    `<name>.png` (its preview). A missing folder is an unplugged printer."""

    wants_preview = True

    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        folder = Path(self.config.target)
        if not folder.is_dir():
            raise PrinterUnavailable(f"printer folder {folder} is not there (unplugged?)",
                                     "not_connected")
        extension = ".zpl" if self.config.mode == "zpl" else ".bin"
        _write_whole(folder / f"{name}{extension}", data)
        if preview is not None:
            _write_whole(folder / f"{name}.png", preview)


def _write_whole(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


class DevicePrinter(PrinterBackend):
    """A printer device file such as /dev/usb/lp0; a missing device is an unplugged printer
    (the file is never created)."""

    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        try:
            fd = os.open(self.config.target, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.config.target}: {exc.strerror}",
                                     reason_of(exc)) from exc
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError as exc:
            raise PrinterUnavailable(f"{self.config.target}: {exc.strerror}",
                                     reason_of(exc)) from exc
        finally:
            os.close(fd)


class NetworkPrinter(PrinterBackend):
    """A printer on the network, raw TCP (port 9100 unless the target names another)."""

    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        host, _, port = self.config.target.partition(":")
        timeout = float(self.config.options.get("timeout", 10))
        try:
            with socket.create_connection((host, int(port or 9100)), timeout=timeout) as conn:
                conn.sendall(data)
        except OSError as exc:
            raise PrinterUnavailable(f"{self.config.target}: {exc}",
                                     reason_of(exc, "unreachable")) from exc


class SerialPrinter(PrinterBackend):
    """A printer on a serial port (`target` is the device or a pyserial URL)."""

    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        import serial

        baudrate = int(self.config.options.get("baudrate", 9600))
        try:
            with serial.serial_for_url(self.config.target, baudrate=baudrate,
                                       write_timeout=10) as port:
                port.write(data)
                port.flush()
        except (serial.SerialException, OSError) as exc:
            raise PrinterUnavailable(f"{self.config.target}: {exc}", reason_of(exc)) from exc


class UsbPrinter(PrinterBackend):
    """A USB printer by vendor and product id (`target` "0x0416:0x5011"), through
    python-escpos's Usb backend (needs pyusb)."""

    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        try:
            from escpos.exceptions import DeviceNotFoundError
            from escpos.printer import Usb
        except ImportError as exc:  # pragma: no cover - depends on the gateway's packages
            raise PrinterUnavailable(f"USB printing needs pyusb: {exc}", "no_driver") from exc
        vendor, _, product = self.config.target.partition(":")
        try:
            printer = Usb(int(vendor, 16), int(product, 16))
            printer.open()
            printer._raw(data)
            printer.close()
        except DeviceNotFoundError as exc:
            raise PrinterUnavailable(f"USB {self.config.target}: {exc}",
                                     "not_connected") from exc
        except Exception as exc:  # noqa: BLE001 - any USB failure means "try again later"
            raise PrinterUnavailable(f"USB {self.config.target}: {exc}", reason_of(exc)) from exc


class MemoryPrinter(PrinterBackend):
    """Keeps what it was sent (for tests and dry runs); `fail_next` refusals come first."""

    def __init__(self, config: PrinterConfig) -> None:
        super().__init__(config)
        self.received: list[tuple[str, bytes]] = []
        self.fail_next = 0

    def send(self, data: bytes, *, name: str, preview: bytes | None = None) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise PrinterUnavailable("out of paper")
        self.received.append((name, data))


BACKENDS: dict[str, type[PrinterBackend]] = {
    "directory": DirectoryPrinter,
    "file": DevicePrinter,
    "network": NetworkPrinter,
    "serial": SerialPrinter,
    "usb": UsbPrinter,
    "dummy": MemoryPrinter,
}


def open_backend(config: PrinterConfig) -> PrinterBackend:
    """The backend a printer's configuration names."""
    return BACKENDS[config.backend](config)
