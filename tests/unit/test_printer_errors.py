"""A printer that cannot take a job says why as a code the pages put in words: a device that
is not there, a network printer that does not answer, a driver the gateway lacks."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import pytest

from printing.printers import (
    DevicePrinter,
    DirectoryPrinter,
    NetworkPrinter,
    PrinterUnavailable,
    SerialPrinter,
    reason_of,
)
from wms.services.print_jobs import PRINT_ERRORS
from wms.site_config import PrinterConfig


def config(backend: str, target: str) -> PrinterConfig:
    return PrinterConfig(name="packing", backend=backend, target=target)


def refusal(printer: object) -> PrinterUnavailable:
    with pytest.raises(PrinterUnavailable) as raised:
        printer.send(b"\x1b@", name="000001-bin_label")  # type: ignore[attr-defined]
    return raised.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unplugged_printer_is_not_connected(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    assert refusal(DirectoryPrinter(config("directory", str(missing)))).reason == "not_connected"
    assert refusal(DevicePrinter(config("file", str(missing)))).reason == "not_connected"
    assert refusal(SerialPrinter(config("serial", str(missing)))).reason == "not_connected"


def test_a_network_printer_that_does_not_answer_is_unreachable() -> None:
    refused = refusal(NetworkPrinter(config("network", f"127.0.0.1:{closed_port()}")))
    assert refused.reason == "unreachable" and "127.0.0.1" in str(refused)


def test_every_reason_a_printer_gives_is_one_the_queue_keeps() -> None:
    for exc in (OSError(errno.EACCES, "denied"), OSError(errno.EBUSY, "busy"),
                OSError(errno.ENODEV, "no device"), TimeoutError(), OSError("other")):
        assert reason_of(exc) in PRINT_ERRORS, exc
    assert (reason_of(OSError(errno.EACCES, "x")), reason_of(OSError(errno.EBUSY, "x"))) == (
        "permission_denied", "busy")
    assert reason_of(OSError("other")) == "failed"
