"""The migrations are the only way the schema is made: they must build exactly what the
models describe, on SQLite and on PostgreSQL, undo cleanly, and enforce the rules the
domain relies on in the database itself."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.bids.models import Bid
from app.db import utcnow
from app.extensions import db
from app.needs.models import CategoryRow, Need, Route
from app.needs.taxonomy import ALL as TAXONOMY
from tests.conftest import make_config
from tests.factories import make_org

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
NO_POSTGRES = "PostgreSQL checks need TEST_DATABASE_URL pointing at a PostgreSQL server"
BACKENDS = ["sqlite", "postgresql"]

_unique = itertools.count(1)


def model_tables() -> set[str]:
    return set(db.metadata.tables)


def head_revision() -> str:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()


def empty_database_url(backend: str, test_database, tmp_path: Path, label: str) -> str:
    if backend == "postgresql":
        if not test_database.is_postgres:
            pytest.skip(NO_POSTGRES)
        return test_database.new_database(label)
    return f"sqlite:///{tmp_path / f'{label}.sqlite3'}"


@contextmanager
def app_on(url: str, test_database, tmp_path: Path) -> Iterator:
    """An app context on the given database, released (engine disposed) afterwards."""
    application = create_app(make_config(test_database, tmp_path, DATABASE_URL=url))
    with application.app_context():
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()


def schema_differences() -> list:
    """What autogenerate would still write: every difference between models and schema."""
    compare_type = current_app.extensions["migrate"].configure_args.get("compare_type", True)
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": compare_type}), db.metadata)


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


# --- building the schema ---------------------------------------------------------------


@pytest.mark.skipif(not FLASK.exists(), reason="the flask command is not installed beside this Python")
@pytest.mark.parametrize("backend", BACKENDS)
def test_flask_db_upgrade_builds_every_table_and_seeds_the_categories(backend, test_database, tmp_path):
    url = empty_database_url(backend, test_database, tmp_path, "cli")
    env = {k: v for k, v in os.environ.items() if k not in {"TREMPLIN_ENV", "FLASK_APP", "REDIS_URL",
                                                           "MEILI_URL", "SMTP_URL", "STRIPE_SECRET_KEY"}}
    env.update(DATABASE_URL=url, INSTANCE_PATH=str(tmp_path / "instance"))

    result = subprocess.run([str(FLASK), "--app", "wsgi", "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)

    assert result.returncode == 0, result.stderr
    with app_on(url, test_database, tmp_path):
        assert table_names() == model_tables() | {"alembic_version"}
        assert set(db.session.scalars(select(CategoryRow.code))) == {c.code for c in TAXONOMY}
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrated_schema_is_exactly_what_the_models_describe(backend, test_database, tmp_path):
    url = empty_database_url(backend, test_database, tmp_path, "compare")
    with app_on(url, test_database, tmp_path):
        upgrade(revision="head")

        assert schema_differences() == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_base_leaves_nothing_and_upgrade_builds_it_again(backend, test_database, tmp_path):
    url = empty_database_url(backend, test_database, tmp_path, "roundtrip")
    with app_on(url, test_database, tmp_path):
        upgrade(revision="head")
        assert table_names() == model_tables() | {"alembic_version"}

        downgrade(revision="base")
        assert table_names() == {"alembic_version"}
        if backend == "postgresql":
            with db.engine.connect() as conn:
                leftovers = conn.execute(text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'S', 'v', 'm')"
                    " AND c.relname <> 'alembic_version'"
                )).scalars().all()
                types = conn.execute(text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                    " WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd')"
                )).scalars().all()
            assert leftovers == [] and types == []

        upgrade(revision="head")
        assert table_names() == model_tables() | {"alembic_version"}
        assert db.session.scalar(select(func.count()).select_from(CategoryRow)) == len(TAXONOMY)
        assert schema_differences() == []


# --- rules the database enforces ---------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_app(request, test_database, tmp_path_factory):
    """An app on a freshly migrated database of each kind, shared by the constraint tests."""
    tmp_path = tmp_path_factory.mktemp(f"constraints-{request.param}")
    url = empty_database_url(request.param, test_database, tmp_path, "constraints")
    application = create_app(make_config(test_database, tmp_path, DATABASE_URL=url))
    with application.app_context():
        upgrade(revision="head")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def on_migrated(migrated_app):
    with migrated_app.app_context():
        yield migrated_app
        db.session.rollback()
        db.session.remove()


def need_fields(buyer_id: int, **changes) -> dict:
    fields = dict(
        reference=f"T-{next(_unique):06d}",
        buyer_id=buyer_id,
        title="Plateforme de données",
        summary="Une plateforme de données souveraine",
        description="Nous cherchons une plateforme de données hébergée en France.",
        budget_min_cents=100_000_00,
        budget_max_cents=500_000_00,
        route=Route.PUBLIC,
        deadline_at=utcnow() + timedelta(days=30),
    )
    fields.update(changes)
    return fields


def assert_refused(*objects) -> None:
    """The flush of these rows fails in the database, and nothing of them stays."""
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def insert_user(email: str) -> None:
    db.session.execute(
        text("INSERT INTO users (email, password_hash, full_name, locale, is_operator, active)"
             " VALUES (:email, 'x', 'Raw User', 'fr', :no, :yes)"),
        {"email": email, "no": False, "yes": True},
    )


def test_a_need_with_a_minimum_budget_above_the_maximum_is_refused(on_migrated):
    buyer, _ = make_org("administration")
    db.session.add(Need(**need_fields(buyer.id)))
    db.session.flush()  # the well-formed need is accepted

    assert_refused(Need(**need_fields(buyer.id, budget_min_cents=600_000_00, budget_max_cents=500_000_00)))


@pytest.mark.parametrize("weight_cost", [11, 9])
def test_evaluation_weights_not_summing_to_100_are_refused(on_migrated, weight_cost):
    buyer, _ = make_org("corporate")

    assert_refused(Need(**need_fields(buyer.id, weight_cost=weight_cost)))


def test_a_second_bid_by_the_same_supplier_on_the_same_need_is_refused(on_migrated):
    buyer, _ = make_org("administration")
    supplier, _ = make_org("startup")
    need = Need(**need_fields(buyer.id))
    db.session.add(need)
    db.session.flush()
    bid = dict(need_id=need.id, supplier_id=supplier.id, price_cents=200_000_00, summary="Offre",
               proposal="Notre proposition")
    db.session.add(Bid(**bid))
    db.session.commit()

    assert_refused(Bid(**{**bid, "summary": "Seconde offre"}))
    assert db.session.scalar(select(func.count()).select_from(Bid).where(Bid.need_id == need.id)) == 1


def test_an_email_in_upper_case_is_refused(on_migrated):
    insert_user(f"lower{next(_unique)}@example.fr")  # the lower-case form is accepted

    with pytest.raises(IntegrityError):
        insert_user(f"Upper{next(_unique)}@Example.fr")
    db.session.rollback()


def test_a_duplicate_email_is_refused(on_migrated):
    email = f"twice{next(_unique)}@example.fr"
    insert_user(email)
    db.session.commit()

    with pytest.raises(IntegrityError):
        insert_user(email)
    db.session.rollback()

