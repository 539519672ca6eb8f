"""The API keeps the promises of its OpenAPI document, checked by schemathesis.

The document is loaded from the app (``/api/v1/openapi.json``, through WSGI), on a fresh
database filled by the demo command's generator. Every operation is called with requests
generated from the document, as a demo buyer and as a demo startup (read and write
tokens), and each answer must be: no server error, a documented status, the documented
content type, a body matching its schema and the documented headers. Each operation and
role is a test of its own, ``[METHOD /path][role]``; a failure names the operation's tags
(the blueprint, hence the module, answering it).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.api.tokens import create_token
from app.extensions import db
from tests.conftest import make_config

load_all_checks()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
SEED = 7
ACCOUNTS = {"buyer": "buyer@demo.tremplin.fr", "supplier": "startup@demo.tremplin.fr"}


@pytest.fixture(scope="module")
def demo_app(app, test_database, tmp_path_factory):
    """An app on a database of its own, migrated, filled with the demo market and indexed."""
    from flask_migrate import upgrade

    from app.demo.generator import generate_demo
    from app.matching.indexing import reindex

    url = test_database.new_database("schemathesis")
    application = create_app(make_config(test_database, tmp_path_factory.mktemp("schemathesis"),
                                         DATABASE_URL=url))
    with application.app_context():
        upgrade()
        generate_demo(seed=SEED, today=datetime.now(UTC).date())
        db.session.commit()
        reindex()
        tokens = {}
        for role, email in ACCOUNTS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            _token, secret = create_token(user, user.memberships[0].organisation, name="schemathesis",
                                          scopes=["read", "write"])
            tokens[role] = secret
        db.session.commit()
    application.config["SCHEMATHESIS_TOKENS"] = tokens
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _served_document() -> dict:
    """The OpenAPI document as the app serves it (it does not depend on the data)."""
    with tempfile.TemporaryDirectory() as instance:
        application = create_app({"TREMPLIN_ENV": "testing", "DATABASE_URL": "sqlite://",
                                  "INSTANCE_PATH": instance, "SEARCH_PATH": instance})
        return application.test_client().get("/api/v1/openapi.json").get_json()


# Loaded when the module is collected, so that each operation is a test of its own.
schema = schemathesis.openapi.from_dict(_served_document())


@pytest.fixture(scope="module", params=sorted(ACCOUNTS))
def token(request, demo_app) -> dict[str, str]:
    """The Authorization header of a demo buyer's or a demo startup's read and write token."""
    return {"Authorization": f"Bearer {demo_app.config['SCHEMATHESIS_TOKENS'][request.param]}"}


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_openapi_document_says(case, token, demo_app):
    try:
        case.call_and_validate(app=demo_app, headers=token, checks=CHECKS)
    except Exception as exc:  # say which blueprint (hence which module) answers the operation
        exc.add_note(f"Operation {case.operation.label}, tags {case.operation.tags or []}")
        raise
