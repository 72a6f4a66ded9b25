"""Alembic environment: the schema is created and upgraded only through these migrations."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

import admission.models  # noqa: F401  (registers every table on the metadata)
from catalogue.db import Base

config = context.config
target_metadata = Base.metadata


def _include(obj, name, type_, reflected, compare_to):
    # APScheduler's job store, if one is ever configured, is not ours to migrate.
    return not (type_ == "table" and name.startswith("apscheduler"))


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from admission.core.config import normalise_database_url

        engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=_include,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
