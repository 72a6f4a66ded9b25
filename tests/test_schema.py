"""The schema is only ever created by the migrations; the models must describe the same one, or a
query the models allow would meet a database without its column, index or constraint."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import admission.models  # noqa: F401 - every table on the metadata
from admission.core.db import get_engine
from catalogue.db import Base


def test_the_migrated_schema_is_the_models_schema(app):
    with app.app_context(), get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
