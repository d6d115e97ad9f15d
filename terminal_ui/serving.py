"""Process settings of a gunicorn worker serving the app, shared by `wms serve`
(`--config python:terminal_ui.serving`) and deploy/gunicorn.conf.py.

A writer holds SQLite's write lock (and the writer turn) across its fsync; when the fsync
returns it must win the GIL back from the worker's other threads, which by default keep it
for up to 5 ms, while every other writer of every worker waits on the lock. A shorter switch
interval hands the GIL back sooner: measured with 8 clients moving stock through 2 workers
x 4 threads, about 1.2x the moves per second and a lower p99 (`bench/`)."""

from __future__ import annotations

import gc
import itertools
import os
import sys
from typing import Any

SWITCH_INTERVAL_S = 0.0005
# A worker's caches (compiled SQL, location codes, ...) are warm after its first requests.
WARM_AFTER_REQUESTS = 100

preload_app = True


def heartbeat_directory() -> str | None:
    """Where each worker keeps the file whose time stamp tells the master that it is alive.
    gunicorn touches that file on every turn of the worker's loop, many times a second under
    load. By default it lies in the temporary folder, which on a Pi is the SD card (under
    systemd's PrivateTmp too): each touch dirties an inode that the file system's journal
    then writes out, and a touch can wait for a journal commit while a scan waits on the
    worker. Kept in memory instead: the service's runtime directory (systemd's
    RuntimeDirectory=, /run/wms), else /dev/shm; the temporary folder only where neither
    exists."""
    runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    for folder in (runtime, "/dev/shm"):
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return None


worker_tmp_dir = heartbeat_directory()

# No control socket (gunicorn's runtime control, `gunicornc`): systemd and `wms serve` manage
# the processes. By default it is created under $HOME/.gunicorn, on the gateway the data
# folder /var/lib/wms, and every server on one machine (two gateways, the bench) would share
# that one path, each replacing the other's socket.
control_socket_disable = True


def pre_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, in the master before each worker is forked: the preloaded app's objects
    are set aside from the garbage collector, so a worker's collections never walk them (and
    never write to their pages, which stay shared with the master)."""
    gc.collect()
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn hook: set up a freshly forked worker."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


_answered = itertools.count(1)  # requests this worker answered (next() is atomic under the GIL)


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """gunicorn hook, after a request is answered: once a worker is warm, one full collection
    and what survives it is set aside from the garbage collector, as the preloaded app is
    before the fork. Else the worker's first automatic full collection, some 700 requests
    in, walks every cache the requests built while the other threads' scans wait (a pause of
    several milliseconds in the scans' tail), and later ones walk them again."""
    if next(_answered) == WARM_AFTER_REQUESTS:
        gc.collect()
        gc.freeze()
