"""Rate limits of the API: counted per token, answered 429 as a problem with Retry-After."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, load_config
from app.extensions import db
from tests.api.helpers import bearer
from tests.conftest import REDIS_URL, _wipe, make_config
from tests.factories import make_org


def limited_app(test_database, tmp_path, **extra):
    application = create_app(make_config(test_database, tmp_path, API_RATE_LIMIT="3 per minute",
                                         API_WRITE_RATE_LIMIT="2 per minute", **extra))
    _wipe(application)
    return application


@pytest.fixture()
def small_limits(app, test_database, tmp_path):
    # `app` first: the session app has migrated the database this one uses.
    application = limited_app(test_database, tmp_path)
    yield application
    with application.app_context():
        db.engine.dispose()


def tokens(application, count: int) -> list[dict[str, str]]:
    with application.app_context():
        org, user = make_org("startup")
        return [bearer(user, org, "read", "write") for _ in range(count)]


def test_a_token_over_its_limit_gets_a_429_problem_with_retry_after(small_limits):
    (headers,) = tokens(small_limits, 1)
    client = small_limits.test_client()

    answers = [client.get("/api/v1/me", headers={**headers, "Accept-Language": "en"}) for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    refused = answers[-1]
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["status"] == 429 and "allows 3 requests per minute" in body["detail"]
    french = client.get("/api/v1/me?lang=fr", headers=headers).get_json()["detail"]
    assert "3 requêtes par minute" in french
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_another_token_keeps_its_own_budget(small_limits):
    first, second = tokens(small_limits, 2)
    client = small_limits.test_client()
    for _ in range(3):
        client.get("/api/v1/me", headers=first)

    assert client.get("/api/v1/me", headers=first).status_code == 429
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_requests_without_a_known_token_count_against_the_address(small_limits):
    client = small_limits.test_client()
    invented = [{"Authorization": f"Bearer trp_abcdefg{i}_invented"} for i in range(4)]

    statuses = [client.get("/api/v1/me", headers=h).status_code for h in invented]

    assert statuses == [401, 401, 401, 429]


def test_writes_have_a_stricter_budget(small_limits):
    (headers,) = tokens(small_limits, 1)
    client = small_limits.test_client()

    statuses = [client.post("/api/v1/notifications/read", headers=headers).status_code for _ in range(3)]

    assert 429 not in statuses[:2] and statuses[2] == 429


def test_web_pages_are_not_limited(small_limits):
    client = small_limits.test_client()

    assert all(client.get("/").status_code == 200 for _ in range(6))


def test_the_openapi_document_describes_429_on_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    operations = [op for item in spec["paths"].values() for method, op in item.items() if method != "parameters"]
    assert operations and all(op["responses"]["429"] == {"$ref": "#/components/responses/RATE_LIMITED"}
                              for op in operations)
    limited = spec["components"]["responses"]["RATE_LIMITED"]
    assert limited["headers"]["Retry-After"]["required"] is True
    assert "application/problem+json" in limited["content"]


@pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL (a Redis server)")
def test_two_app_instances_on_redis_share_the_count(app, test_database, tmp_path):
    first = limited_app(test_database, tmp_path / "one", RATELIMIT_STORAGE_URI=REDIS_URL)
    second = create_app(make_config(test_database, tmp_path / "two", API_RATE_LIMIT="3 per minute",
                                    RATELIMIT_STORAGE_URI=REDIS_URL))
    try:
        (headers,) = tokens(first, 1)  # a new token: a key of its own in the shared Redis
        statuses = [client.get("/api/v1/me", headers=headers).status_code
                    for client in (first.test_client(), second.test_client(), first.test_client(),
                                   second.test_client())]
        assert statuses == [200, 200, 200, 429]
    finally:
        for application in (first, second):
            with application.app_context():
                db.engine.dispose()


def test_limits_are_counted_in_redis_in_production_and_in_memory_by_default():
    from tests.test_config import PRODUCTION

    assert load_config(None, environ={})["RATELIMIT_STORAGE_URI"] == "memory://"
    assert load_config(None, environ=PRODUCTION)["RATELIMIT_STORAGE_URI"] == PRODUCTION["REDIS_URL"]


@pytest.mark.parametrize(("setting", "value"), [
    ("RATELIMIT_STORAGE_URI", "memory://"),
    ("RATELIMIT_STORAGE_URI", "mongodb://db.internal"),
    ("API_RATE_LIMIT", "lots per minute"),
    ("API_WRITE_RATE_LIMIT", "60 per fortnight"),
])
def test_a_memory_storage_or_a_malformed_limit_stops_production_naming_the_setting(setting, value):
    from tests.test_config import PRODUCTION

    with pytest.raises(ConfigError) as excinfo:
        load_config(None, environ={**PRODUCTION, setting: value})

    assert str(excinfo.value).startswith(f"{setting}: ")


def test_limits_are_written_in_the_readers_language(app):
    from app.api.rate_limits import limits_text

    with app.test_request_context("/?lang=en"):
        from flask_babel import force_locale

        with force_locale("en"):
            assert limits_text("1 per second; 600 per minute; 5 per 10 seconds") == (
                "1 request per second; 600 requests per minute; 5 requests every 10 seconds")
        with force_locale("fr"):
            assert limits_text("1 per second; 600 per minute") == "1 requête par seconde; 600 requêtes par minute"
