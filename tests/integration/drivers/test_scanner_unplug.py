"""Unplugging a serial scanner: the reader reports it gone, opens it again once a device is
back at the configured path, and no scan is lost, doubled or glued to a cut-off one."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from drivers.simulator import VirtualScanner
from tests.integration.drivers.conftest import BackgroundReader
from tests.integration.drivers.fake_app import wait_until

pytestmark = pytest.mark.timeout(30)

Reader = Callable[..., BackgroundReader]


def test_an_unplugged_scanner_is_reported_gone_and_read_again_once_it_is_back(
    virtual_scanner: Callable[..., VirtualScanner], reader: Reader
) -> None:
    device = virtual_scanner()
    reading = reader(device.link, reconnect_max=0.3)
    wait_until(lambda: reading.states == ["connected"], what="the first open")
    device.type("PO-1001", "PO-1002")
    wait_until(lambda: len(reading.texts) == 2, what="the scans before the unplug")
    device.send(b"PO-10")  # the cable is pulled halfway through a scan
    device.unplug()
    wait_until(lambda: reading.states == ["connected", "disconnected"], what="disconnected")
    assert "lost" in reading.events[1][1] and reading.reasons[1] == "lost"
    device.plug()
    wait_until(lambda: reading.states == ["connected", "disconnected", "connected"],
               what="the reopen")
    device.type("PO-1003", "PO-1004")
    wait_until(lambda: len(reading.texts) >= 4, what="the scans after the replug")
    assert reading.scanner.read_scan(0.5) is None
    assert reading.texts == ["PO-1001", "PO-1002", "PO-1003", "PO-1004"]


def test_scans_sent_just_before_the_cable_is_pulled_still_arrive(
    virtual_scanner: Callable[..., VirtualScanner], reader: Reader
) -> None:
    device = virtual_scanner()
    reading = reader(device.link)
    wait_until(lambda: reading.states == ["connected"], what="the first open")
    device.type("PO-1001", "PO-1002", "PO-1003")
    device.unplug()
    wait_until(lambda: "disconnected" in reading.states, what="disconnected")
    assert reading.texts == ["PO-1001", "PO-1002", "PO-1003"]


def test_a_link_swapped_to_a_new_device_is_followed(
    virtual_scanner: Callable[..., VirtualScanner], reader: Reader
) -> None:
    device = virtual_scanner()
    reading = reader(device.link, reconnect_max=0.3)
    wait_until(lambda: reading.states == ["connected"], what="the first open")
    first = device.device
    device.type("PO-1001")
    wait_until(lambda: reading.texts == ["PO-1001"], what="the first scan")
    device.plug()  # a new pty behind the same symlink; the old one goes away
    assert device.device != first
    wait_until(lambda: reading.states == ["connected", "disconnected", "connected"],
               what="the reopen on the new device")
    device.type("PO-1002")
    wait_until(lambda: len(reading.texts) == 2, what="the scan on the new device")
    assert reading.texts == ["PO-1001", "PO-1002"]


def test_a_scanner_missing_at_start_is_reported_once_and_read_when_it_appears(
    virtual_scanner: Callable[..., VirtualScanner], reader: Reader
) -> None:
    device = virtual_scanner(plug=False)
    reading = reader(device.link, reconnect_max=0.2)
    wait_until(lambda: reading.states == ["disconnected"], what="the report of no device")
    assert "no such device" in reading.events[0][1] and reading.reasons == ["no_device"]
    time.sleep(0.8)  # several failed opens later, still one report
    assert reading.states == ["disconnected"]
    device.plug()
    wait_until(lambda: reading.states == ["disconnected", "connected"], what="the open")
    device.type("PO-1001")
    wait_until(lambda: reading.texts == ["PO-1001"], what="the scan")
