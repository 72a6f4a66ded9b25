"""One SQLAlchemy session per application context, for requests, CLI commands and scheduler jobs.

A request's session is committed once, after the view succeeded, and rolled back otherwise
(see ``admission.create_app``); operations only flush.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            from admission.runtime.backup import private_file

            Path(database).parent.mkdir(parents=True, exist_ok=True)
            private_file(database)  # SQLite gives its -wal and -shm files the same mode
        # As many pooled connections as a worker has threads: beyond the pool, each request would
        # open (and set up) a connection of its own and close it again.
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=10, max_overflow=10
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # pysqlite's own BEGIN handling is switched off so that ours below is the only one.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # A writing transaction takes the write lock up front (BEGIN IMMEDIATE): otherwise two
            # requests that read and then write would both hold a snapshot, and the second writer
            # would fail with "database is locked" instead of waiting its turn.
            immediate = connection.get_execution_options().get("sqlite_begin") == "immediate"
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # pre-ping: after a database restart the pool hands out no dead connections.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["admission.engine"] = engine
    app.extensions["admission.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_engine() -> Engine:
    return current_app.extensions["admission.engine"]


def get_session(*, write: bool | None = None) -> Session:
    """The session of this application context.

    ``write`` (default: true for requests that are not GET/HEAD/OPTIONS) asks SQLite for the write
    lock at the transaction's start; PostgreSQL needs no such hint.
    """
    if "db_session" not in g:
        if write is None:
            write = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        engine = get_engine()
        if write and engine.dialect.name == "sqlite":
            engine = engine.execution_options(sqlite_begin="immediate")
        g.db_session = current_app.extensions["admission.sessionmaker"](bind=engine)
    return g.db_session


def lock_row(session: Session, obj) -> None:
    """Re-read ``obj`` and hold its row until the transaction ends, so that a decision taken on its
    state (which stage it is in) cannot be overtaken by a concurrent one. PostgreSQL: SELECT ... FOR
    UPDATE. SQLite: a writing request already holds the database's write lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "sqlite":
        session.flush()
        session.refresh(obj, with_for_update=True)
