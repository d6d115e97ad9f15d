"""The yardsticks: a bare Flask app that answers one indexed SQLite read, and one durable
write (a single small insert, committed with fsync), served by gunicorn in the same shape as
the product. What the product costs per scan is measured against the read; the write shows
how fast any Flask endpoint that commits durably can go on this machine.

    gunicorn 'bench.bare_app:create_app()'   (WMS_DATABASE_URL names the SQLite file)
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, Response, jsonify, request


def prepare_writes(path: str) -> None:
    """The write endpoint's database, made once before the server starts: in WAL (which
    stays with the file) and with its table. Workers switching the journal mode at once on
    a new file would refuse each other ("database is locked")."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS bare_writes "
                     "(id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    finally:
        conn.close()


def create_app() -> Flask:
    """A Flask app with /api/v1/health, /bare/location?code=<bin> (one row by index) and
    POST /bare/write (its JSON body stored as one new row: BEGIN IMMEDIATE, one INSERT,
    COMMIT; WAL with synchronous=FULL, as the product writes; `prepare_writes` made its
    table)."""
    url = os.environ["WMS_DATABASE_URL"]
    path = url.removeprefix("sqlite:///")
    local = threading.local()
    app = Flask(__name__)

    def connection() -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=10)
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

    @app.post("/bare/write")
    def write() -> tuple[Response, int]:
        body = request.get_data(as_text=True)
        conn = connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row_id = conn.execute("INSERT INTO bare_writes (body) VALUES (?)",
                                  (body,)).lastrowid
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return jsonify({"id": row_id}), 201

    return app
