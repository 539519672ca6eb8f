"""Tremplin: the application factory, a list of register_* steps."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from app.config import PROJECT_ROOT, load_config


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(settings)
    for step in (
        register_proxies,
        register_instance,
        register_logging,
        register_extensions,
        register_i18n,
        register_outbox,
        register_auth,
        register_blueprints,
        register_api,
        register_template_helpers,
        register_errorhandlers,
        register_security_headers,
        register_commands,
    ):
        step(app)
    return app


def register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client's address, scheme and host are read
    from their X-Forwarded-* headers (rate limits per address, audit entries, secure links)."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_instance(app: Flask) -> None:
    from pathlib import Path

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def register_logging(app: Flask) -> None:
    import logging

    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def register_extensions(app: Flask) -> None:
    from app import models as _models  # noqa: F401 - every model on the metadata
    from app.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.close()


def register_i18n(app: Flask) -> None:
    from app.i18n import init_i18n

    init_i18n(app)


def register_outbox(app: Flask) -> None:
    from app.events import flush_dispatch
    from app.events import register_outbox as _register

    _register(app)

    @app.after_request
    def _relay(response):
        flush_dispatch()
        return response


def register_security_headers(app: Flask) -> None:
    from app.main.security_headers import init_security_headers

    init_security_headers(app)


def register_auth(app: Flask) -> None:
    from app.accounts.auth import init_auth

    init_auth(app)


def register_blueprints(app: Flask) -> None:
    from app.accounts.views import bp as accounts_bp
    from app.alerts.views import bp as alerts_bp
    from app.analytics.views import bp as analytics_bp
    from app.api.views import bp as api_tokens_bp
    from app.audit.views import bp as audit_bp
    from app.bids.views import bp as bids_bp
    from app.billing.views import bp as billing_bp
    from app.billing.webhooks import bp as billing_webhooks_bp
    from app.commitments.views import bp as commitments_bp
    from app.main.views import bp as main_bp
    from app.needs.views import bp as needs_bp
    from app.opendata.views import bp as opendata_bp
    from app.operations.views import bp as operations_bp
    from app.suppliers.views import bp as suppliers_bp

    for blueprint in (main_bp, accounts_bp, needs_bp, bids_bp, suppliers_bp, alerts_bp, analytics_bp, commitments_bp,
                      opendata_bp, api_tokens_bp, billing_bp, billing_webhooks_bp, operations_bp, audit_bp):
        app.register_blueprint(blueprint)


def register_api(app: Flask) -> None:
    from app.api import init_api

    init_api(app)


def register_template_helpers(app: Flask) -> None:
    from app.main.filters import init_filters

    init_filters(app)


def register_errorhandlers(app: Flask) -> None:
    from app.main.errors import init_errors

    init_errors(app)


def register_commands(app: Flask) -> None:
    from app.commands import init_commands

    init_commands(app)
