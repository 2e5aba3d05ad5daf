"""Flask with origins in a database, revoked across every worker through Redis.

docs/production.rst shows this file; tests/sources/test_fleet.py serves it with
several gunicorn and waitress processes. ORIGINS_DB names the sqlite file,
REDIS_URL the Redis server, ORIGINS_POLL the revocation bound in seconds.

Change the allowed origins with the app's commands, from any machine::

    flask --app tests.sources.flaskapp allow-origin https://customer.example
    flask --app tests.sources.flaskapp revoke-origin https://customer.example
"""

from __future__ import annotations

import contextlib
import os
import sqlite3

import click
import redis
from flask import Flask

from wsgicors import CORSPolicy
from wsgicors.fleet import SharedVersion
from wsgicors.sources import OriginSource
from wsgicors_flask import CORS

DATABASE = os.environ.get("ORIGINS_DB", "origins.sqlite3")


def connect() -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(DATABASE, timeout=10))


def registered(origin: str) -> bool:
    """The lookup: is *origin* in the allowed_origin table? (one query, run in the request)"""
    with connect() as db:
        row = db.execute("SELECT 1 FROM allowed_origin WHERE origin = ?", (origin,)).fetchone()
    return row is not None


# A short socket timeout: when Redis is unreachable the workers go on with their cached
# answers (revocation then takes up to ttl) instead of waiting for it.
store = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                             socket_timeout=0.5, socket_connect_timeout=0.5)
source = OriginSource(
    registered,
    ttl=300,           # without Redis, a revoked origin is refused after at most 5 minutes
    negative_ttl=30,   # and a new one allowed after at most 30 s
    shared=SharedVersion(store, poll=float(os.environ.get("ORIGINS_POLL", "1.0"))),
)

app = Flask(__name__)
CORS(app, policy=CORSPolicy(allow_origins=["https://app.example.com"],
                            allow_origin_func=source, allow_credentials=True))


@app.get("/api/whoami")
def whoami() -> dict[str, int]:
    return {"pid": os.getpid()}


@app.cli.command("allow-origin")
@click.argument("origin")
def allow_origin(origin: str) -> None:
    """Allow ORIGIN in every worker within the poll interval."""
    with connect() as db, db:  # the second `with` commits
        db.execute("CREATE TABLE IF NOT EXISTS allowed_origin (origin TEXT PRIMARY KEY)")
        db.execute("INSERT OR IGNORE INTO allowed_origin VALUES (?)", (origin,))
    source.invalidate()  # after the commit, never before


@app.cli.command("revoke-origin")
@click.argument("origin")
def revoke_origin(origin: str) -> None:
    """Refuse ORIGIN in every worker within the poll interval."""
    with connect() as db, db:
        db.execute("DELETE FROM allowed_origin WHERE origin = ?", (origin,))
    if not source.invalidate():
        raise click.ClickException("Redis is unreachable: workers refuse it within the ttl")
