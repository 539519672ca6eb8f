"""French first, English on request: locale selection and the Paris time zone."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.config import PROJECT_ROOT
from app.extensions import babel

TRANSLATIONS_DIR = PROJECT_ROOT / "app" / "translations"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):
        return _api_locale(languages, page=request.endpoint == "api_docs.index")
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _api_locale(languages, *, page: bool = False) -> str:
    """The API is cookie-less: ?lang=, then Accept-Language, then the token user's own
    language; never the session, and never written to it. Its reference page (``page``)
    also reads, without writing, the language chosen on the site."""
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if page:
        if session.get("lang") in languages:
            return session["lang"]
        if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
            return current_user.locale
    accepted = request.accept_languages.best_match(languages)
    if accepted:
        return accepted
    token = g.get("api_token")
    if token is not None and token.user.locale in languages:
        return token.user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "fr")


def init_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
        default_timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")

    @app.context_processor
    def _locale_context():
        return {"current_locale": current_locale(), "languages": app.config["LANGUAGES"]}
