"""Test configuration: the app on a database of its own, created by the migrations.

- With ``TEST_DATABASE_URL`` pointing at a PostgreSQL server (any database there that we
  may connect to, e.g. ``postgresql://postgres@127.0.0.1:5432/test``), the suite creates
  a fresh database ``tremplin_test_<random>`` beside it, migrates it, and drops it at the
  end. It never drops or wipes a database it did not create.
- Without it, a SQLite file in a temporary folder is used.
- ``TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/15``) is given to tests that need Redis.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()

KEEP_TABLES = {"alembic_version", "categories"}


def _admin_url(url: str) -> str:
    return str(make_url(url).set(drivername="postgresql+psycopg"))


class TestDatabase:
    """A database created for this test run, and only that one is ever dropped."""

    def __init__(self, base_dir: Path):
        self.created_name: str | None = None
        if PG_URL:
            self.admin = create_engine(_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
            self.created_name = f"tremplin_test_{secrets.token_hex(4)}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.created_name}"'))
            self.url = make_url(_admin_url(PG_URL)).set(database=self.created_name).render_as_string(
                hide_password=False
            )
        else:
            self.url = f"sqlite:///{base_dir / 'tremplin-test.sqlite3'}"

    @property
    def is_postgres(self) -> bool:
        return self.created_name is not None

    def new_database(self, label: str) -> str:
        """Another empty database of the same kind (for migration tests)."""
        if self.is_postgres:
            name = f"tremplin_test_{label}_{secrets.token_hex(3)}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self._extra = [*getattr(self, "_extra", []), name]
            return make_url(self.url).set(database=name).render_as_string(hide_password=False)
        return f"sqlite:///{Path(make_url(self.url).database).parent / f'{label}-{secrets.token_hex(3)}.sqlite3'}"

    def drop(self) -> None:
        if not self.is_postgres:
            return
        with self.admin.connect() as conn:
            for name in [self.created_name, *getattr(self, "_extra", [])]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def test_database(tmp_path_factory) -> Iterator[TestDatabase]:
    database = TestDatabase(tmp_path_factory.mktemp("db"))
    try:
        yield database
    finally:
        database.drop()


def make_config(test_database: TestDatabase, tmp_path: Path, **extra) -> dict:
    config = {
        "TREMPLIN_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        "DATABASE_URL": test_database.url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # Cheap argon2 parameters: the suite hashes hundreds of passwords.
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def app(test_database, tmp_path_factory):
    """One app for the session, on a database built by `flask db upgrade`."""
    from flask_migrate import upgrade

    application = create_app(make_config(test_database, tmp_path_factory.mktemp("app")))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _wipe(application) -> None:
    """Empty every table we own (the test database is ours) but the reference data."""
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
                conn.commit()
            else:
                # SQLite ignores this pragma inside a transaction: switch it off before the
                # deletes begin one, and back on after their commit, or the pooled
                # connection would go on without foreign keys.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for t in tables:
                    conn.execute(text(f'DELETE FROM "{t}"'))
                conn.commit()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                conn.commit()
        # The search indexes of the test app follow the database: empty them too.
        from app.matching import documents
        from app.matching.engine import backend

        for settings in (documents.NEEDS, documents.SUPPLIERS):
            backend().drop(settings)


@pytest.fixture()
def app_ctx(app):
    """An app context on a clean database."""
    _wipe(app)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture()
def client(app):
    _wipe(app)
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture()
def csrf_app(test_database, tmp_path):
    """An app with CSRF protection on, as in production."""
    application = create_app(make_config(test_database, tmp_path, WTF_CSRF_ENABLED=True))
    _wipe(application)
    yield application
    with application.app_context():
        db.engine.dispose()
