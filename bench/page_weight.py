"""What a handheld downloads and how long the gateway takes per page step: the bytes of each
workflow's first page and of its static files (raw and gzip), and the server time of one
scan step per workflow, in-process over a demo warehouse in a temporary SQLite file.

    .venv/bin/python -m bench.page_weight
"""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
import time
from pathlib import Path

from terminal_ui import create_app
from wms.db import Database
from wms.demo import load_demo
from wms.schema import upgrade

PAGES = ("/", "/receive/", "/putaway/", "/pick/", "/count/", "/move/", "/lookup/", "/scrap/",
         "/supervisor/")
STATIC = ("/static/htmx-2.0.11.min.js", "/static/terminal.js", "/static/terminal.css")
# One read-only scan step per workflow (it answers with a step, changing nothing), timed.
STEPS = (("/receive/", {"order": "PO-1001"}), ("/putaway/", {"scan": "6901234567892"}),
         ("/pick/", {"scan": "SO-9999"}), ("/count/", {"scan": "Z-99"}),
         ("/move/", {"scan": "B-01-01-01"}), ("/lookup/", {"scan": "6901234567892"}))


def kib(n: int) -> str:
    return f"{n / 1024:6.1f} KiB"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'wms.sqlite3'}"
        upgrade(url)
        db = Database(url)
        with db.write() as session:
            load_demo(session)
        db.dispose()
        app = create_app({"database_url": url, "SECRET_KEY": "bench",
                          "config_path": str(Path(folder) / "wms.toml")})
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        client.post("/login/badge", data={"badge": "BADGE-0001", "pin": "9999",
                                          "csrf_token": token.group(1)})
        csrf = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/pick/").get_data(as_text=True))
        assert csrf is not None
        print("page                       raw         gzip")
        for path in PAGES + STATIC:
            body = client.get(path).get_data()
            print(f"{path:<26} {kib(len(body))}  {kib(len(gzip.compress(body)))}")
        static_gz = sum(len(gzip.compress(client.get(p).get_data())) for p in STATIC)
        print(f"static files together (gzip): {kib(static_gz)}, cached after the first page")
        print("\nscan step (htmx partial), server time over 200 runs: median / p95")
        for path, data in STEPS:
            times = []
            for _ in range(200):
                start = time.perf_counter()
                reply = client.post(path, data=data, headers={"HX-Request": "true",
                                                              "X-CSRFToken": csrf.group(1)})
                times.append((time.perf_counter() - start) * 1000)
                assert reply.status_code in (200, 422), reply.status_code
            times.sort()
            print(f"{path:<12} {statistics.median(times):5.1f} ms / {times[189]:5.1f} ms  "
                  f"({len(reply.get_data())} bytes)")
        app.extensions["wms.db"].dispose()


if __name__ == "__main__":
    main()
