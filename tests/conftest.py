"""Fixtures: an application per test on a fresh database copied from a prepared template.

SQLite always; PostgreSQL when TEST_DATABASE_URL names a server (CI runs the suite on both).
Building the schema through the migrations and loading release 1 takes a moment, so each kind of
starting state is built once per run and cloned for every test (a file copy on SQLite, CREATE
DATABASE ... TEMPLATE on PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from admission import create_app
from admission.accounts import operations as account_ops
from admission.core.db import get_session
from admission.runtime import migrate
from tests.support.api import FAST_HASHER, Api, fast_passwords
from tests.support.database import PG_URL

_counter = itertools.count()


def _prepare(app, kind: str) -> None:
    with app.app_context():
        from admission.core.db import get_engine
        from admission.releases import operations as release_ops

        migrate.upgrade(get_engine())
        session = get_session()
        if kind in ("release1", "demo"):
            release_ops.load_initial_release(session, actor="test")
        if kind == "demo":
            from admission.accounts import demo as demo_county

            demo_county.create(session, password="demo-pass-2026")
        session.commit()
        get_engine().dispose()


class SqliteTemplates:
    def __init__(self, root):
        self.root = root
        self.paths: dict[str, str] = {}

    def clone(self, kind: str, target_dir) -> str:
        if kind not in self.paths:
            path = os.path.join(self.root, f"{kind}.sqlite3")
            app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "t"})
            _prepare(app, kind)
            engine = create_engine(f"sqlite:///{path}")
            with engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            engine.dispose()
            self.paths[kind] = path
        target = os.path.join(target_dir, "db.sqlite3")
        shutil.copyfile(self.paths[kind], target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        pass


def ensure_database(url: str) -> None:
    """Create the database TEST_DATABASE_URL names when the server does not have it yet (a fresh
    PostgreSQL has only ``postgres``): a newcomer runs the README's command and nothing else."""
    target = make_url(url)
    maintenance = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        maintenance.dispose()


class PostgresTemplates:
    def __init__(self, url: str):
        ensure_database(url)
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.base = make_url(url)
        self.prefix = f"adm_{uuid.uuid4().hex[:8]}"
        self.templates: dict[str, str] = {}

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def clone(self, kind: str, _target_dir) -> str:
        if kind not in self.templates:
            name = f"{self.prefix}_tmpl_{kind}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            app = create_app({"DATABASE_URL": self._url(name), "SECRET_KEY": "t"})
            _prepare(app, kind)
            self.templates[kind] = name
        name = f"{self.prefix}_{next(_counter)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates[kind]}"'))
        return self._url(name)

    def drop(self, url: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def close(self) -> None:
        for name in self.templates.values():
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    if PG_URL:
        from admission.core.config import normalise_database_url

        registry = PostgresTemplates(normalise_database_url(PG_URL))
        yield registry
        registry.close()
    else:
        yield SqliteTemplates(str(tmp_path_factory.mktemp("templates")))


def _make_app(templates, kind, tmp_path):
    url = templates.clone(kind, str(tmp_path))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True})
    app.instance_path = str(tmp_path / "instance")
    return app, url


def _dispose(templates, made) -> None:
    for app, url in made:
        with app.app_context():
            from admission.core.db import get_engine

            get_engine().dispose()
        templates.drop(url)


@pytest.fixture
def make_app(templates, tmp_path):
    """``make_app(kind)``: a fresh application on a database in state ``empty``, ``release1`` or ``demo``."""
    made = []

    def factory(kind: str = "release1"):
        app, url = _make_app(templates, kind, tmp_path / f"app{len(made)}")
        made.append((app, url))
        return app

    (tmp_path / "app0").mkdir()
    for i in range(1, 4):
        (tmp_path / f"app{i}").mkdir()
    yield factory
    _dispose(templates, made)


@pytest.fixture(scope="module")
def make_module_app(templates, tmp_path_factory):
    """``make_module_app(kind)``: as ``make_app``, for a module-scoped fixture: the application and its
    database last until the module's last test is done."""
    made = []

    def factory(kind: str = "release1"):
        app, url = _make_app(templates, kind, tmp_path_factory.mktemp(f"module_{kind}"))
        made.append((app, url))
        return app

    yield factory
    _dispose(templates, made)


@pytest.fixture
def app(make_app):
    return make_app("release1")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    with app.app_context():
        yield get_session()


@pytest.fixture
def is_postgres():
    return bool(PG_URL)


@pytest.fixture(scope="module")
def fast_password_hashing():
    """Cheap password hashing for a module that logs in many times.

    A module asks for it with ``pytestmark = pytest.mark.usefixtures("fast_password_hashing")``;
    ``demo_app`` then gives the accounts the matching cheap hash.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(account_ops, "_hasher", FAST_HASHER)
        patch.setattr(account_ops, "_DUMMY_HASH", FAST_HASHER.hash("not-a-password"))
        yield


@pytest.fixture(scope="module")
def small_review_rounds():
    """Review rounds of one or two member units, for a module that follows single deadlines
    (reminders, overdue sweeps, extensions) rather than the round's composition, whose rule
    (ADMISSION_MIN_REVIEWERS, the reason for leaving units out) test_gate_rules.py tests.

    A module asks for it with ``pytestmark = pytest.mark.usefixtures("small_review_rounds")``.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADMISSION_MIN_REVIEWERS", "1")
        yield


@pytest.fixture
def demo_app(make_app, request):
    """A fresh demo county; with ``fast_password_hashing`` in use, its accounts carry the cheap hash."""
    app = make_app("demo")
    if "fast_password_hashing" in request.fixturenames:
        fast_passwords(app)
    return app


@pytest.fixture
def api(demo_app):
    return Api(demo_app)
