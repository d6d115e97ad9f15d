"""Sending spool entries to the app over HTTP, strictly in order: entry N+1 waits until the
app has acknowledged entry N. Retries reuse the entry's Idempotency-Key."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from drivers.backoff import Backoff
from drivers.spool import Entry, Spool

log = logging.getLogger("wms.bridge.delivery")

PATHS = {"scan": "scans", "device": "devices"}
REFUSED = (404, 409, 422)  # the app has the entry and said no on business grounds
RETRY = (408, 425, 429)  # and every 5xx
# The error code of the app's 503 while its database cannot be reached: nothing was applied,
# the entry waits on disk and goes again, with its key, once the database is back.
DATABASE_AWAY = "database_unavailable"
OUTAGE_REMINDER_SECONDS = 60.0
# A bridge started with the app (make run, or boot) waits this long for the app's first answer
# before a connection it cannot make counts as trouble: until then it says once, quietly, that
# it waits.
APP_START_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Answer:
    """What the app said: an HTTP status, or None when it could not be reached."""

    status: int | None
    detail: str
    retry_after: float | None = None


def verdict(status: int | None) -> str:
    """What to do with an entry after an answer.

    "delivered": done; "refused": done, the app said no (kept in refused/ for a person);
    "retry": try again soon; "token": the token is wrong, keep it and retry slowly;
    "setup": app_url leads somewhere else (a redirect), retry slowly;
    "rejected": the app cannot take this request at all, set it aside and go on."""
    if status is None or status in RETRY or status >= 500:
        return "retry"
    if 200 <= status < 300:
        return "delivered"
    if status in REFUSED:
        return "refused"
    if status in (401, 403):
        return "token"
    if status < 400:
        return "setup"
    return "rejected"


def request_for(entry: Entry, app_url: str, token: str) -> tuple[str, dict[str, str], bytes]:
    """The path, headers and body that deliver `entry`."""
    base = urlsplit(app_url).path.rstrip("/")
    path = f"{base}/api/v1/stations/{quote(entry.station, safe='')}/{PATHS[entry.kind]}"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": entry.idempotency_key,
               "Content-Type": "application/json", "Accept": "application/json"}
    return path, headers, json.dumps(entry.body, ensure_ascii=False).encode("utf-8")


def post(app_url: str, path: str, headers: dict[str, str], body: bytes,
         timeout: float) -> Answer:
    """POST once; connection failures and timeouts come back as status None."""
    parts = urlsplit(app_url)
    connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                        else http.client.HTTPConnection)
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(2000).decode("utf-8", "replace")
        return Answer(response.status, text.strip(), _seconds(response.getheader("Retry-After")))
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the back-off is good enough


class Sender:
    """Delivers the spool's entries to the app, one at a time, oldest first."""

    def __init__(self, spool: Spool, app_url: str, token: Callable[[], str], *,
                 timeout: float = 10.0, retry_max: float = 5.0, token_retry: float = 30.0,
                 stop: threading.Event | None = None) -> None:
        self.spool = spool
        self.app_url = app_url
        self.token = token
        self.timeout = timeout
        self.token_retry = token_retry
        self.stop = stop or threading.Event()
        self._backoff = Backoff(min(0.2, retry_max), retry_max)
        self._trouble_since: float | None = None
        self._last_reminder = 0.0
        self._started = time.monotonic()
        self._answered = False  # whether the app has answered anything yet
        self._said_waiting = False

    def run(self) -> None:
        """Deliver until stopped."""
        while not self.stop.is_set():
            try:
                entry = self.spool.oldest(timeout=0.25)
                wait = self.deliver(entry) if entry is not None else 0.0
            except Exception:  # noqa: BLE001 - the sender must outlive any one failure
                log.exception("delivery failed unexpectedly; trying again")
                wait = 1.0
            if wait:
                self.stop.wait(wait)

    def deliver(self, entry: Entry) -> float:
        """Try once to deliver `entry`; the seconds to wait before the next try (0 when done)."""
        if entry.kind not in PATHS:
            self.spool.set_aside(entry, "rejected", {"reason": f"unknown kind {entry.kind!r}"})
            log.error("spool entry %s has an unknown kind %r; moved to rejected/",
                      entry.name, entry.kind)
            return 0.0
        try:
            token = self.token()
        except ValueError as exc:
            self._trouble(f"no station token: {exc}", loud=True)
            return self.token_retry
        path, headers, body = request_for(entry, self.app_url, token)
        answer = post(self.app_url, path, headers, body, self.timeout)
        outcome = verdict(answer.status)
        where = f"{entry.kind} {entry.idempotency_key} to {path}"
        self._answered = self._answered or bool(answer.status)
        if outcome in ("delivered", "refused", "rejected"):
            self._recovered()
            self._backoff.reset()
        if outcome == "delivered":
            self.spool.remove(entry)
            log.debug("delivered %s: %s", where, answer.status)
            return 0.0
        if outcome in ("refused", "rejected"):
            folder = "refused" if outcome == "refused" else "rejected"
            self.spool.set_aside(entry, folder, {"status": answer.status,
                                                 "answer": answer.detail})
            (log.warning if outcome == "refused" else log.error)(
                "%s %s: the app answered %s %s (kept in %s/)", outcome, where, answer.status,
                answer.detail[:300], folder)
            return 0.0
        if outcome == "token":
            self._trouble(f"the app refused the station token ({answer.status}): fix the "
                          "token, the bridge keeps every scan until then", loud=True)
            return self.token_retry
        if outcome == "setup":
            self._trouble(f"the app answered {answer.status} {answer.detail[:200]}: is app_url "
                          f"{self.app_url} right?", loud=True)
            return self.token_retry
        if self._app_starting(answer.status):
            if not self._said_waiting:
                self._said_waiting = True
                log.info("waiting for the app at %s to answer (%d waiting)", self.app_url,
                         len(self.spool))
        elif answer.status == 503 and DATABASE_AWAY in answer.detail:
            self._trouble(f"the app cannot reach its database: {where} waits on disk and "
                          "goes again with the same key once it is back")
        else:
            self._trouble(f"cannot deliver {where}: {answer.status or ''} "
                          f"{answer.detail[:200]}")
        delay = self._backoff.next_delay()
        return max(delay, min(answer.retry_after or 0.0, self._backoff.maximum))

    def _app_starting(self, status: int | None) -> bool:
        """No answer at all, before the app ever answered, soon after the bridge started."""
        return (not status and not self._answered
                and time.monotonic() - self._started < APP_START_GRACE_SECONDS)

    def _trouble(self, message: str, loud: bool = False) -> None:
        """Log a delivery problem at its start and then once a minute, not on every retry."""
        now = time.monotonic()
        if self._trouble_since is None:
            self._trouble_since = now
        elif not loud and now - self._last_reminder < OUTAGE_REMINDER_SECONDS:
            return
        self._last_reminder = now
        (log.error if loud else log.warning)("%s (%d waiting)", message, len(self.spool))

    def _recovered(self) -> None:
        if self._trouble_since is not None:
            log.info("delivering again after %.0f s (%d waiting)",
                     time.monotonic() - self._trouble_since, len(self.spool))
            self._trouble_since = None
