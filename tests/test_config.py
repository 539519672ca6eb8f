"""Configuration as an operator meets it: embedded defaults with nothing set, and a
one-line message naming the setting when production is missing or misreads one."""

from __future__ import annotations

import pytest

from app.config import DEFAULT_INSTANCE, ConfigError, load_config

PRODUCTION = {
    "TREMPLIN_ENV": "production",
    "SECRET_KEY": "s" * 48,
    "DATABASE_URL": "postgresql://tremplin:pw@db.internal:5432/tremplin",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "MEILI_URL": "http://search.internal:7700",
    "MEILI_API_KEY": "meili-master-key",
    "SMTP_URL": "smtp://mailer:pw@smtp.internal:587",
}


def production(**changes: str | None) -> dict[str, str]:
    """A complete production environment, with some settings changed or removed (None)."""
    env = dict(PRODUCTION)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def config_error(environ: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as excinfo:
        load_config(None, environ=environ)
    return excinfo.value


def test_no_environment_runs_on_the_embedded_defaults():
    config = load_config(None, environ={})

    assert config["TREMPLIN_ENV"] == "development"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{DEFAULT_INSTANCE / 'tremplin.sqlite3'}"
    assert DEFAULT_INSTANCE.name == "instance"
    assert config["INSTANCE_PATH"] == str(DEFAULT_INSTANCE)
    assert config["SEARCH_BACKEND"] == "embedded"
    assert config["JOBS_INLINE"] is True
    assert config["REDIS_URL"] is None
    assert config["MAIL_BACKEND"] == "log"
    assert config["BILLING_ENABLED"] is False
    assert config["SECRET_KEY"]  # a development key, so sessions work out of the box
    assert config["SESSION_COOKIE_SECURE"] is False


def test_a_complete_production_environment_switches_on_the_real_parts():
    config = load_config(None, environ=production(STRIPE_SECRET_KEY="sk_live_abc", STRIPE_WEBHOOK_SECRET="whsec_x",
                                                        STRIPE_PRICE_PRO="price_pro_monthly"))

    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://tremplin:pw@db.internal:5432/tremplin"
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    assert config["JOBS_INLINE"] is False
    assert config["SEARCH_BACKEND"] == "meilisearch"
    assert config["MAIL_BACKEND"] == "smtp"
    assert config["BILLING_ENABLED"] is True
    assert config["STRIPE_WEBHOOK_SECRET"] == "whsec_x"
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("setting", "environ"),
    [
        ("SECRET_KEY", production(SECRET_KEY=None)),
        ("SECRET_KEY", production(SECRET_KEY="short")),
        ("DATABASE_URL", production(DATABASE_URL=None)),
        ("DATABASE_URL", production(DATABASE_URL="sqlite:////var/lib/tremplin/db.sqlite3")),
        ("DATABASE_URL", production(DATABASE_URL="mysql://db.internal/tremplin")),
        ("DATABASE_URL", production(DATABASE_URL="postgresql:///tremplin")),
        ("DATABASE_URL", production(DATABASE_URL="postgresql://db.internal:5432/")),
        ("REDIS_URL", production(REDIS_URL=None)),
        ("REDIS_URL", production(REDIS_URL="cache.internal:6379")),
        ("REDIS_URL", production(REDIS_URL="redis://cache.internal:port/0")),
        ("MEILI_URL", production(MEILI_URL=None)),
        ("MEILI_URL", production(MEILI_URL="search.internal:7700")),
        ("MEILI_API_KEY", production(MEILI_API_KEY=None)),
        ("SMTP_URL", production(SMTP_URL=None)),
        ("SMTP_URL", production(SMTP_URL="mailto:ops@example.fr")),
        ("STRIPE_SECRET_KEY", production(STRIPE_SECRET_KEY="pk_live_publishable")),
        ("TREMPLIN_ENV", production(TREMPLIN_ENV="prod")),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_production_stops_with_one_line_naming_the_setting(setting, environ):
    error = config_error(environ)

    message = str(error)
    assert error.setting == setting
    assert message.startswith(f"{setting}: ")
    assert "\n" not in message
    assert len(message) > len(setting) + 10  # says what is wrong, not just the name


def test_an_empty_setting_counts_as_missing():
    assert config_error(production(DATABASE_URL="")).setting == "DATABASE_URL"


def test_a_malformed_stripe_key_is_refused_in_development_too():
    error = config_error({"STRIPE_SECRET_KEY": "not-a-key"})
    assert error.setting == "STRIPE_SECRET_KEY"


def test_a_malformed_optional_url_is_refused_in_development_too():
    assert config_error({"REDIS_URL": "localhost:6379"}).setting == "REDIS_URL"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db.internal:5432/tremplin",
        "postgresql://u:p@db.internal:5432/tremplin",
        "postgresql+psycopg://u:p@db.internal:5432/tremplin",
    ],
)
def test_postgres_urls_go_through_psycopg_3(url):
    config = load_config(None, environ=production(DATABASE_URL=url))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal:5432/tremplin"


def test_development_accepts_a_sqlite_database_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    assert load_config(None, environ={"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == url


def test_explicit_overrides_win_over_the_environment(tmp_path):
    environ = {"DATABASE_URL": "sqlite:////elsewhere.sqlite3", "INSTANCE_PATH": "/elsewhere"}
    url = f"sqlite:///{tmp_path / 'mine.sqlite3'}"

    config = load_config({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)}, environ=environ)

    assert config["SQLALCHEMY_DATABASE_URI"] == url
    assert config["INSTANCE_PATH"] == str(tmp_path)
    assert "DATABASE_URL" not in config


def test_the_instance_path_moves_the_default_database_and_search_index(tmp_path):
    config = load_config(None, environ={"INSTANCE_PATH": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tremplin.sqlite3'}"
    assert config["SEARCH_PATH"] == str(tmp_path / "search")


def test_stay_signed_in_lasts_thirty_days_unless_set_and_an_odd_value_is_refused(tmp_path):
    from datetime import timedelta

    assert load_config(environ={"INSTANCE_PATH": str(tmp_path)})["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    config = load_config(environ={"INSTANCE_PATH": str(tmp_path), "REMEMBER_DAYS": "7"})
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)
    for odd in ("0", "400", "a week"):
        with pytest.raises(ConfigError, match="REMEMBER_DAYS"):
            load_config(environ={"INSTANCE_PATH": str(tmp_path), "REMEMBER_DAYS": odd})


def test_the_meilisearch_timeout_reaches_the_backend(tmp_path):
    from flask import Flask

    from app.matching.engine import make_backend

    environ = {"INSTANCE_PATH": str(tmp_path), "MEILI_URL": "http://127.0.0.1:7700", "MEILI_TIMEOUT_SECONDS": "2"}
    app = Flask(__name__)
    app.config.update(load_config(environ=environ))
    assert make_backend(app).timeout == 2
    with pytest.raises(ConfigError, match="MEILI_TIMEOUT_SECONDS"):
        load_config(environ={**environ, "MEILI_TIMEOUT_SECONDS": "0"})
