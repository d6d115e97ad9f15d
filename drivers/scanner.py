"""What every scanner shares: bytes cut into scans at the terminator, the GS stand-in turned
back into ASCII 29, and, for a scanner in presentation mode only, repeated reads of one code
set apart (reported, never counted). Backends supply the bytes."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

log = logging.getLogger("wms.bridge.scanner")

GS = "\x1d"
TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}
LONGEST_SCAN = 4096  # bytes; longer without a terminator means the terminator is set wrong
STALE_PARTIAL_SECONDS = 2.0


@dataclass(frozen=True)
class Scan:
    """One code read by one scanner, as the app receives it (symbology prefix kept).
    `repeat` marks a presentation-mode re-read that is reported to the station but not
    counted."""

    device: str
    raw: str
    at: datetime
    repeat: bool = False


def restore_gs(text: str, replacement: str | None) -> str:
    """The text with the configured stand-in character turned back into GS (ASCII 29)."""
    return text.replace(replacement, GS) if replacement else text


def decode_line(line: bytes) -> str:
    """Scanner bytes as text: UTF-8 (QR codes with Chinese), else Latin-1, never an error."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


class LineSplitter:
    """Cuts a byte stream into lines at the terminator; stray CR/LF and empty lines go."""

    def __init__(self, terminator: str = "CR") -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator: one of {', '.join(TERMINATORS)}, not {terminator!r}")
        self._terminator = TERMINATORS[terminator]
        self._rest = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The lines completed by `data`, without their terminators."""
        *lines, self._rest = (self._rest + data).split(self._terminator)
        # A CR-configured scanner that actually sends CRLF leaves a LF at the next line's start.
        return [text for line in lines if (text := line.strip(b"\r\n"))]

    @property
    def pending(self) -> bytes:
        """The unterminated start of the next line (empty when there is none)."""
        return self._rest.strip(b"\r\n")

    def discard(self) -> bytes:
        """Forget the unterminated rest (a scan cut short) and return it."""
        rest, self._rest = self.pending, b""
        return rest


NEW, REPEAT, REPEAT_AGAIN = "new", "repeat", "repeat again"


class RepeatFilter:
    """For a presentation-mode scanner (one that reads whatever is held in front of it): a
    code that repeats the previous one within `window` seconds is a re-read, not a scan.

    The window runs from the latest read, so a code left in front of the scanner counts
    once, however long it stays there. The first re-read of such a run is "repeat" (worth
    telling the station), later ones "repeat again" (the same code still lying there)."""

    def __init__(self, window: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._last: str | None = None
        self._last_at = 0.0
        self._reported = False

    def classify(self, text: str) -> str:
        """NEW for a scan to count, REPEAT or REPEAT_AGAIN for a re-read inside the window."""
        now = self._clock()
        repeat = text == self._last and now - self._last_at < self.window
        self._last, self._last_at = text, now
        if not repeat:
            self._reported = False
            return NEW
        verdict = REPEAT_AGAIN if self._reported else REPEAT
        self._reported = True
        return verdict

    def admit(self, text: str) -> bool:
        """True when `text` is a new scan, False for a re-read inside the window."""
        return self.classify(text) == NEW


class Scanner:
    """A source of scans; subclasses implement `open`, `close` and `_read_bytes`."""

    def __init__(self, name: str, *, terminator: str = "CR", gs_replacement: str | None = None,
                 repeat_window: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`repeat_window` (seconds) only for a scanner in presentation mode: every read of
        a trigger scanner is a deliberate scan and counts, however fast it follows."""
        self.name = name
        self.terminator = terminator
        self.gs_replacement = gs_replacement or None
        self._splitter = LineSplitter(terminator)
        self._repeats = RepeatFilter(repeat_window, clock) if repeat_window else None
        self._ready: deque[Scan] = deque()
        self._partial_since: float | None = None

    def open(self) -> None:
        """Open the device; raises OSError (or ValueError for a bad address) when it cannot."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the device."""
        raise NotImplementedError

    def _read_bytes(self, timeout: float) -> bytes:
        """Whatever bytes arrive within about `timeout` seconds (may be empty)."""
        raise NotImplementedError

    def read_scan(self, timeout: float) -> Scan | None:
        """The next scan, or None when none is complete within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self._ready:
            self._take(self._read_bytes(max(deadline - time.monotonic(), 0.0)))
            if not self._ready and time.monotonic() >= deadline:
                return None
        return self._ready.popleft()

    def _take(self, data: bytes) -> None:
        for line in self._splitter.feed(data):
            text = restore_gs(decode_line(line), self.gs_replacement)
            verdict = self._repeats.classify(text) if self._repeats is not None else NEW
            if verdict == NEW:
                self._ready.append(Scan(self.name, text, datetime.now(UTC)))
            elif verdict == REPEAT:
                log.info("%s: re-read of %r within the repeat window: reported, not counted",
                         self.name, text)
                self._ready.append(Scan(self.name, text, datetime.now(UTC), repeat=True))
            else:
                log.debug("%s: %r still in front of the scanner", self.name, text)
        self._watch_partial()

    def _watch_partial(self) -> None:
        """Warn once about bytes that never see a terminator: the setting is likely wrong."""
        if not self.partial:
            self._partial_since = None
        elif len(self.partial) > LONGEST_SCAN:
            self._drop_partial(f"over {LONGEST_SCAN} bytes without {self.terminator}")
            self._partial_since = None
        elif self._partial_since is None:
            self._partial_since = time.monotonic()
        elif time.monotonic() - self._partial_since > STALE_PARTIAL_SECONDS:
            log.warning("%s: %r has waited %.0f s for its %s terminator; is the scanner set "
                        "to send %s?", self.name, decode_line(self.partial),
                        STALE_PARTIAL_SECONDS, self.terminator, self.terminator)
            self._partial_since = float("inf")  # warned; quiet until the next scan

    @property
    def partial(self) -> bytes:
        """Bytes of a scan that has not seen its terminator yet."""
        return self._splitter.pending

    def _drop_partial(self, why: str) -> None:
        """Forget a scan cut short, so it is never glued to the next one."""
        rest = self._splitter.discard()
        if rest:
            log.warning("%s: dropped an incomplete scan %r (%s)", self.name,
                        decode_line(rest), why)
