"""The print worker: the one process that talks to the printers. It takes due jobs from the
queue, renders them once, sends them, and marks them printed; a printer that is off keeps its
jobs queued with back-off until it takes them. Run it as `wms printer-worker`."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import click

from printing.fonts import CJKFontMissing
from printing.printers import PrinterBackend, PrinterUnavailable, open_backend
from printing.render import render_for_printer, render_preview
from wms.config import load_settings
from wms.db import Database
from wms.heartbeats import PRINT_WORKER, Pacer
from wms.models import utcnow
from wms.services.print_jobs import (
    claim_next,
    mark_failed,
    mark_printed,
    store_content,
)
from wms.site_config import SiteConfig, load_site_config

log = logging.getLogger("wms.printer_worker")


@dataclass
class PrintWorker:
    """Sends queued jobs to the configured printers."""

    db: Database
    site: SiteConfig
    lease: timedelta = timedelta(seconds=60)
    zone: str | None = None
    backends: dict[str, PrinterBackend] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    # Called on every turn of `run`: the worker's sign of life for the gateway's status page.
    heartbeat: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        for name, config in self.site.printers.items():
            self.backends.setdefault(name, open_backend(config))

    def work_once(self) -> bool:
        """Handle the next due job, if any; True when there was one."""
        with self.db.write() as session:
            job = claim_next(session, self.site.gateway, list(self.backends), utcnow(),
                             self.lease)
            if job is None:
                return False
            job_id, document, data = job.id, job.document, dict(job.data)
            printer, content = job.printer, job.content
        config = self.site.printers[printer]
        backend = self.backends[printer]
        try:
            if content is None:
                content = render_for_printer(document, data, config, zone=self.zone)
                with self.db.write() as session:
                    store_content(session, job_id, content)
        except CJKFontMissing as exc:  # the gateway lacks a font: fixable, so keep the job
            log.error("job %s: %s", job_id, exc)
            with self.db.write() as session:
                mark_failed(session, job_id, str(exc), utcnow(), reason="font_missing")
            return True
        except Exception as exc:  # noqa: BLE001 - a document that cannot render never will
            log.exception("job %s: cannot render %s", job_id, document)
            with self.db.write() as session:
                mark_failed(session, job_id, f"cannot render: {exc}", utcnow(), permanent=True,
                            reason="cannot_render")
            return True
        preview = (self._preview(job_id, document, data, config.paper)
                   if backend.wants_preview else None)
        try:
            backend.send(content, name=f"{job_id:06d}-{document}", preview=preview)
        except PrinterUnavailable as exc:
            log.warning("job %s: printer %s unavailable: %s", job_id, printer, exc)
            with self.db.write() as session:
                mark_failed(session, job_id, str(exc), utcnow(), reason=exc.reason)
            return True
        with self.db.write() as session:
            mark_printed(session, job_id, utcnow())
        log.info("job %s: %s printed on %s", job_id, document, printer)
        return True

    def _preview(self, job_id: int, document: str, data: dict[str, object],
                 paper: int) -> bytes | None:
        """The preview beside a printed job; the job prints without it when none can be
        drawn (for instance without a CJK font on the gateway)."""
        try:
            return render_preview(document, data, paper, zone=self.zone)
        except (CJKFontMissing, OSError) as exc:
            log.warning("job %s: printing without a preview: %s", job_id, exc)
            return None

    def run(self, poll: float = 0.5) -> None:
        """Work until stopped, sleeping `poll` seconds when nothing is due."""
        while not self.stop.is_set():
            if self.heartbeat is not None:
                self.heartbeat()
            try:
                busy = self.work_once()
            except Exception:  # noqa: BLE001 - the worker outlives database hiccups
                log.exception("print worker step failed; retrying")
                busy = False
            if not busy:
                self.stop.wait(poll)


@click.command("printer-worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between queue checks.")
def command(once: bool, poll: float) -> None:
    """Send queued print jobs to the configured printers (one process per gateway)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    site = load_site_config(settings.config_path, settings.gateway)
    if not site.printers:
        raise click.ClickException(f"no printers configured in {settings.config_path}")
    worker = PrintWorker(Database(settings.database_url), site, zone=settings.timezone,
                         heartbeat=Pacer(settings.heartbeat_dir, PRINT_WORKER))
    if once:
        while worker.work_once():
            pass
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop.set())
    click.echo(f"printer worker of gateway {site.gateway}: {', '.join(site.printers)}; "
               f"queue checked every {poll}s")
    worker.run(poll)
