"""The yardstick: a bare Flask app that answers one indexed SQLite read, served by gunicorn
in the same shape as the product. What the product costs per scan is measured against it.

    gunicorn 'bench.bare_app:create_app()'   (WMS_DATABASE_URL names the SQLite file)
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, Response, jsonify, request


def create_app() -> Flask:
    """A Flask app with /api/v1/health and /bare/location?code=<bin>: one row by index."""
    url = os.environ["WMS_DATABASE_URL"]
    path = url.removeprefix("sqlite:///")
    local = threading.local()
    app = Flask(__name__)

    def connection() -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(path, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            local.conn = conn
        return conn

    @app.get("/api/v1/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    @app.get("/bare/location")
    def location() -> Response | tuple[Response, int]:
        row = connection().execute(
            "SELECT code, kind, capacity, walk_seq FROM locations WHERE code = ?",
            (request.args.get("code", ""),)).fetchone()
        if row is None:
            return jsonify({"error": "not found"}), 404
        return jsonify({"code": row[0], "kind": row[1], "capacity": row[2],
                        "walk_seq": row[3]})

    return app
