"""Imports that run in the background of the office: the uploaded file and the job's
progress kept as files in one folder, so every worker process can read how far a job is
(each progress file is replaced whole, never half written).

The folder cleans itself: an uploaded file is removed as soon as its job can no longer
use it (imported, refused for bad rows, failed), and a file whose dry run was good waits
UPLOAD_KEPT for its import; a job's report (the .json the report page shows) is kept for
REPORT_KEPT. Old files go whenever a new file is uploaded."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wms.db import Database
from wms.errors import WmsError
from wms.imports import ImportResult, apply_file, prepare_file

log = logging.getLogger(__name__)
JOB_ID = re.compile(r"[0-9a-f]{16}")
MAX_ERRORS_KEPT = 5000  # a file of 50,000 bad rows names the first 5,000
REPORT_EVERY = 0.5  # seconds between two progress writes
# A running job whose progress has not moved for this long lost its process (a worker
# restarted): it is reported as stopped, and nothing of it was written.
STALE_AFTER = 300.0
UPLOAD_KEPT = 24 * 3600.0  # a good dry run's file waits a day for its import
REPORT_KEPT = 30 * 24 * 3600.0  # a job's report is there to look at for a month
PARTIAL_KEPT = 3600.0  # a progress file half written by a process that died


class ImportJobs:
    """The import jobs of one folder (`var/imports` by default)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _path(self, job_id: str, suffix: str) -> Path:
        if not JOB_ID.fullmatch(job_id):
            raise KeyError(job_id)
        return self.directory / f"{job_id}{suffix}"

    def create(self, kind: str, filename: str, data: bytes, user_id: int | None) -> str:
        """Keep an uploaded file for a dry run and the import after it; returns the job id."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prune()
        job_id = secrets.token_hex(8)
        self._path(job_id, ".upload").write_bytes(data)
        self._write(job_id, {"id": job_id, "kind": kind, "filename": filename,
                             "user_id": user_id, "state": "queued", "dry_run": True,
                             "phase": "upload", "done": 0, "total": 0})
        return job_id

    def has_upload(self, job_id: str) -> bool:
        """Whether the job's uploaded file is still kept (for its import)."""
        return self._path(job_id, ".upload").exists()

    def prune(self, now: float | None = None) -> int:
        """Remove uploads older than UPLOAD_KEPT (unless their job is running), reports
        older than REPORT_KEPT and stray partial files; returns how many files went."""
        now = time.time() if now is None else now
        removed = 0
        for path in self.directory.glob("*"):
            try:
                age = now - path.stat().st_mtime
            except FileNotFoundError:
                continue  # another process removed it meanwhile
            old = {".upload": UPLOAD_KEPT, ".json": REPORT_KEPT, ".tmp": PARTIAL_KEPT}.get(
                path.suffix)
            if old is None or age <= old:
                continue
            if path.suffix == ".upload" and self._running(path.stem, now):
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def _running(self, job_id: str, now: float) -> bool:
        try:
            state = self.read(job_id)
        except (ValueError, OSError):
            return False
        return bool(state and state.get("state") in ("queued", "running")
                    and now - state.get("at", 0) <= STALE_AFTER)

    def read(self, job_id: str) -> dict[str, Any] | None:
        """The job's state, or None when there is no such job."""
        try:
            text = self._path(job_id, ".json").read_text(encoding="utf-8")
        except (KeyError, FileNotFoundError):
            return None
        state: dict[str, Any] = json.loads(text)
        if state.get("state") in ("queued", "running") and \
                time.time() - state.get("at", time.time()) > STALE_AFTER:
            state.update(state="failed", stopped=True, message="the import stopped before "
                         "it ended (the server restarted); nothing was imported")
        return state

    def _write(self, job_id: str, state: dict[str, Any]) -> None:
        path = self._path(job_id, ".json")
        state["at"] = time.time()
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def start(self, db: Database, job_id: str, *, dry_run: bool) -> None:
        """Run the job's check (and, unless a dry run, its import) in a thread."""
        state = self.read(job_id)
        if state is None:
            raise KeyError(job_id)
        state.update(state="running", dry_run=dry_run, phase="read", done=0, total=0,
                     errors=[])
        self._write(job_id, state)
        threading.Thread(target=self.run, args=(db, job_id, dry_run), daemon=True,
                         name=f"import-{job_id}").start()

    def run(self, db: Database, job_id: str, dry_run: bool) -> None:
        """Check the file (and import it unless a dry run), writing progress as it goes."""
        state = self.read(job_id)
        assert state is not None
        data = self._path(job_id, ".upload").read_bytes()
        last = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= REPORT_EVERY or done >= total:
                last[0] = now
                state.update(phase=phase, done=done, total=total)
                self._write(job_id, state)

        try:
            prepared = prepare_file(state["kind"], state["filename"], data, progress)

            def work(session: Any) -> ImportResult:
                return apply_file(session, prepared, state["user_id"], dry_run=dry_run,
                                  progress=progress)

            if dry_run:
                with db.read() as session:
                    result = work(session)
            else:
                result = db.transaction(work)
        except WmsError as error:
            state.update(state="failed", message=error.message,
                         reason=error.details.get("reason"))
        except Exception as error:  # the job's page says so rather than spin for ever
            log.exception("import job %s failed", job_id)
            state.update(state="failed", stopped=True,
                         message=f"{error.__class__.__name__}: {error}")
        else:
            state.update(state="done", rows=result.rows, created=result.created,
                         updated=result.updated, unchanged=result.unchanged,
                         moves=result.moves, error_count=len(result.errors),
                         errors=[asdict(e) for e in result.errors[:MAX_ERRORS_KEPT]],
                         imported=result.imported)
        if not (state["state"] == "done" and dry_run and not state.get("error_count")):
            # imported, refused for its rows or failed: the file is of no more use (a
            # failed job's page says to upload it again)
            self._path(job_id, ".upload").unlink(missing_ok=True)
        self._write(job_id, state)
