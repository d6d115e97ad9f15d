"""A simulated fixed scanner for demos and tests: a pty pair whose device side is reached
through a symlink (as udev names a real scanner), driven through a unix socket.

    python -m drivers.simulator serve dock --link var/dev/dock-scanner
    python -m drivers.simulator type dock BADGE-0003 "PO-1001" "]C1010690123456789217250101~10LOT7"
    python -m drivers.simulator unplug dock
    python -m drivers.simulator plug dock
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import socketserver
import struct
import termios
import threading
import time
import tty
from pathlib import Path
from typing import Any

import click

from drivers.scanner import TERMINATORS

DRAIN_SECONDS = 2.0


def point_link(link: Path, target: str) -> None:
    """Make `link` point at `target` in one step: readers never see it missing or half-made."""
    link.parent.mkdir(parents=True, exist_ok=True)
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _unread_bytes(descriptor: int) -> int:
    """Bytes waiting on the device side that the reader has not taken yet."""
    return struct.unpack("i", fcntl.ioctl(descriptor, termios.TIOCINQ, b"\0\0\0\0"))[0]


class VirtualScanner:
    """A pty pair standing in for a serial scanner plugged in at `link`."""

    def __init__(self, link: str | os.PathLike[str], terminator: str = "CR") -> None:
        self.link = Path(link)
        self.terminator = TERMINATORS[terminator]
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None

    @property
    def plugged(self) -> bool:
        """Whether a device is there."""
        return self._master is not None

    @property
    def device(self) -> str | None:
        """The pty the link points at while plugged."""
        return os.ttyname(self._slave) if self._slave is not None else None

    def plug(self) -> str:
        """Plug a fresh device in at the link (replacing any there now); returns its pty."""
        with self._lock:
            master, slave = os.openpty()
            tty.setraw(slave)  # bytes pass untouched (no CR->LF, no echo) before anyone opens it
            old = self._master, self._slave
            self._master, self._slave = master, slave
            point_link(self.link, os.ttyname(slave))
            self._close(*old)
            return os.ttyname(slave)

    def unplug(self) -> None:
        """Pull the device out: the reader gets an error and the link disappears."""
        with self._lock:
            if self._slave is not None:
                self._drain(self._slave)
            self._close(self._master, self._slave)
            self._master = self._slave = None
            self.link.unlink(missing_ok=True)

    def send(self, data: bytes) -> None:
        """Send raw bytes, as a scanner's firmware would."""
        with self._lock:
            if self._master is None:
                raise OSError(f"{self.link} is unplugged")
            os.write(self._master, data)

    def type(self, *texts: str) -> None:
        """Send each text as one scan followed by the terminator."""
        for text in texts:
            self.send(text.encode("utf-8") + self.terminator)

    def close(self) -> None:
        """Unplug without waiting and remove the link."""
        with self._lock:
            self._close(self._master, self._slave)
            self._master = self._slave = None
            self.link.unlink(missing_ok=True)

    @staticmethod
    def _drain(slave: int) -> None:
        # A pty hangup throws away what the reader has not read yet; a real scanner has
        # finished sending by the time someone pulls the cable, so let the reader catch up.
        time.sleep(0.05)
        deadline = time.monotonic() + DRAIN_SECONDS
        while _unread_bytes(slave) and time.monotonic() < deadline:
            time.sleep(0.02)

    @staticmethod
    def _close(*descriptors: int | None) -> None:
        for descriptor in descriptors:
            if descriptor is not None:
                os.close(descriptor)


def socket_path(name: str, socket_dir: str) -> Path:
    """Where the simulator of scanner `name` listens."""
    return Path(socket_dir) / f"{name}.sock"


class _Commands(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        scanner: VirtualScanner = self.server.scanner  # type: ignore[attr-defined]
        try:
            request = json.loads(self.rfile.readline())
            action = request["action"]
            if action == "type":
                scanner.type(*request["texts"])
                answer = {"ok": True, "detail": f"sent {len(request['texts'])} scan(s)"}
            elif action == "plug":
                answer = {"ok": True, "detail": f"plugged in at {scanner.plug()}"}
            elif action == "unplug":
                scanner.unplug()
                answer = {"ok": True, "detail": "unplugged"}
            else:
                answer = {"ok": False, "detail": f"unknown action {action!r}"}
        except (OSError, ValueError, KeyError) as exc:
            answer = {"ok": False, "detail": str(exc)}
        self.wfile.write(json.dumps(answer).encode() + b"\n")


def ask(name: str, socket_dir: str, request: dict[str, Any]) -> dict[str, Any]:
    """Send one command to a running simulator and return its answer."""
    path = socket_path(name, socket_dir)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        try:
            connection.connect(str(path))
        except OSError as exc:
            raise click.ClickException(f"no simulator for {name} at {path} ({exc}); "
                                       f"start one with: serve {name} --link PATH") from exc
        connection.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(connection.makefile().readline())


@click.group()
def main() -> None:
    """Simulated fixed scanners on ptys."""


socket_dir_option = click.option("--socket-dir", default="var/dev", show_default=True,
                                 help="Folder of the simulators' control sockets.")


@main.command()
@click.argument("name")
@click.option("--link", required=True,
              help="The symlink the bridge opens, e.g. var/dev/dock-scanner.")
@click.option("--terminator", type=click.Choice(list(TERMINATORS)), default="CR",
              show_default=True)
@socket_dir_option
def serve(name: str, link: str, terminator: str, socket_dir: str) -> None:
    """Plug in a simulated scanner NAME at --link and take commands until stopped."""
    scanner = VirtualScanner(link, terminator)
    device = scanner.plug()
    path = socket_path(name, socket_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        with socketserver.UnixStreamServer(str(path), _Commands) as server:
            server.scanner = scanner  # type: ignore[attr-defined]
            stop = threading.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
            click.echo(f"{name}: plugged in at {device} via {link}; commands on {path}")
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            while not stop.wait(0.5):
                pass
            server.shutdown()
    finally:
        path.unlink(missing_ok=True)
        scanner.close()


@main.command("type")
@click.argument("name")
@click.argument("texts", nargs=-1, required=True)
@socket_dir_option
def type_(name: str, texts: tuple[str, ...], socket_dir: str) -> None:
    """Scan each of TEXTS on simulated scanner NAME."""
    _run(name, socket_dir, {"action": "type", "texts": list(texts)})


@main.command()
@click.argument("name")
@socket_dir_option
def unplug(name: str, socket_dir: str) -> None:
    """Pull simulated scanner NAME's cable."""
    _run(name, socket_dir, {"action": "unplug"})


@main.command()
@click.argument("name")
@socket_dir_option
def plug(name: str, socket_dir: str) -> None:
    """Plug simulated scanner NAME in again, as a new device behind the same link."""
    _run(name, socket_dir, {"action": "plug"})


def _run(name: str, socket_dir: str, request: dict[str, Any]) -> None:
    answer = ask(name, socket_dir, request)
    if not answer.get("ok"):
        raise click.ClickException(f"{name}: {answer.get('detail')}")
    click.echo(f"{name}: {answer.get('detail')}")


if __name__ == "__main__":
    main()
