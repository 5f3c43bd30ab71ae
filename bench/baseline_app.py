"""The bare baseline: the same INSERT and SELECT as POST /create and GET /get/<id>, with no
framework at all. The standard library's sqlite3 with the project's SQLite settings, one
connection per worker, served by the same gunicorn. It is the practical ceiling of this stack on
this machine; bench/run.py compares the project against it.

    BASELINE_DB=/tmp/baseline.sqlite3 gunicorn bench.baseline_app:application
"""

import datetime as dt
import json
import os
import re
import sqlite3

DB_PATH = os.environ.get("BASELINE_DB", "baseline.sqlite3")
GET_PATH = re.compile(r"^/get/(\d+)/?$")
FIELDS = ("FIRST_NAME", "LAST_NAME", "EMAIL", "RESUME")
SCHEMA = """
CREATE TABLE IF NOT EXISTS lead (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL, email TEXT NOT NULL, resume TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'PENDING', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    reached_out_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS lead_email_unique_ci ON lead (lower(email));
"""

_connection = None


def connection():
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(DB_PATH, timeout=20, isolation_level=None)
        _connection.execute("PRAGMA journal_mode=WAL")
        _connection.execute("PRAGMA synchronous=NORMAL")
        _connection.executescript(SCHEMA)
    return _connection


def respond(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def as_json(row):
    keys = (
        "LEAD_ID",
        "FIRST_NAME",
        "LAST_NAME",
        "EMAIL",
        "RESUME",
        "STATE",
        "CREATED_AT",
        "UPDATED_AT",
        "REACHED_OUT_AT",
    )
    return dict(zip(keys, row, strict=True))


def application(environ, start_response):
    method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
    db = connection()
    if method == "POST" and path.rstrip("/") == "/create":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length))
        if not all(isinstance(data.get(f), str) and data[f].strip() for f in FIELDS):
            return respond(start_response, "400 Bad Request", {"error": "missing field"})
        now = dt.datetime.now(dt.UTC).isoformat()
        try:
            db.execute("BEGIN IMMEDIATE")
            cursor = db.execute(
                "INSERT INTO lead (first_name, last_name, email, resume, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (*(data[f].strip() for f in FIELDS), now, now),
            )
            db.execute("COMMIT")
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK")
            return respond(start_response, "409 Conflict", {"error": "duplicate email"})
        row = db.execute("SELECT * FROM lead WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return respond(start_response, "201 Created", as_json(row))
    match = GET_PATH.match(path)
    if method == "GET" and match:
        row = db.execute("SELECT * FROM lead WHERE id = ?", (int(match[1]),)).fetchone()
        if row is None:
            return respond(start_response, "404 Not Found", {"error": "not found"})
        return respond(start_response, "200 OK", as_json(row))
    return respond(start_response, "404 Not Found", {"error": "not found"})
