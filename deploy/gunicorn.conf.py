"""gunicorn settings for the gateway: two gthread workers with a few threads each.
Scanners and printers are owned by their own single-instance services, never by a worker."""

import os

from terminal_ui.serving import (  # noqa: F401 - gunicorn hooks and settings, by name
    control_socket_disable,
    post_fork,
    post_request,
    pre_fork,
    worker_tmp_dir,
)

bind = os.environ.get("WMS_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WMS_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WMS_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 15
accesslog = "-"
errorlog = "-"
wsgi_app = "terminal_ui:create_app()"
# The master imports the app once and forks the workers: after a crash the gateway pays for
# one import, not one per worker on the same two or four cores. The database pool is left
# behind in each forked worker (wms.db), so no connection crosses a fork.
preload_app = True
