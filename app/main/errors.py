"""Friendly error pages (and JSON problems for API clients)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# Headers of an HTTP error that the client needs to act on it.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
# Seconds a client is asked to wait while the database cannot be reached (a restart
# or a failover usually takes a few seconds).
DATABASE_RETRY_AFTER = 30


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _messages(code: int) -> tuple[str, str]:
    """Title and explanation of an HTTP error, in the reader's language."""
    known = {
        400: (_("Invalid request"), _("The request could not be understood. Check what you entered and try again.")),
        403: (_("Access denied"), _("You do not have access to this page with your current account.")),
        404: (_("Page not found"), _("This page does not exist or is no longer available.")),
        405: (_("Action not allowed"), _("This page cannot be used this way. Go back and use the buttons on the page.")),
        413: (_("File too large"), _("The file you sent is too large: files may not exceed 20 MB.")),
        429: (_("Too many attempts"), _("You made too many attempts in a short time. Wait a few minutes and try again.")),
        500: (
            _("Something went wrong"),
            _("An unexpected error occurred. It has been logged; please try again later."),
        ),
    }
    if code in known:
        return known[code]
    if code >= 500:
        return _("Service unavailable"), _("The service is temporarily unavailable. Please try again later.")
    return _("Request not completed"), _("The request could not be completed.")


def init_errors(app: Flask) -> None:
    def render(status: int, title: str, message: str, headers: dict | None = None, exc=None):
        if request.path.startswith("/api/"):
            from app.api.errors import problem

            return problem(status, exc, headers)
        headers = dict(headers or {})
        if _wants_json():
            body = {"type": "about:blank", "title": title, "status": status, "detail": message}
            headers["Content-Type"] = "application/problem+json"
            return body, status, headers
        return render_template("errors/error.html", status=status, title=title, message=message), status, headers

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render(400, _("Form expired"), _("The form had expired. Go back, reload the page and try again."))

    @app.errorhandler(500)
    def server_error(_exc):
        from app.extensions import db

        db.session.rollback()
        return render(500, *_messages(500), exc=_exc)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        if not database_unavailable(exc):
            raise exc  # a bug, not an outage: the 500 handler answers and it is logged
        return _database_unavailable_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        original = exc.get_response().headers
        kept = {name: original[name] for name in _KEPT_HEADERS if name in original}
        return render(code, *_messages(code), headers=kept, exc=exc)


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the server cannot be reached or went away (it is
    restarting, failing over, refusing connections, too busy) rather than a faulty statement.

    SQLite reports a missing table as an « operational » error too: there only a locked or
    unreadable file counts as unavailable.
    """
    if not isinstance(exc, DBAPIError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return any(word in str(exc.orig) for word in ("database is locked", "unable to open", "disk I/O error"))
    return isinstance(exc, OperationalError) or exc.connection_invalidated


def _database_unavailable_response(exc: DBAPIError):
    """503 with Retry-After and a page that needs no database: no stack trace, no 500.

    The request's transaction is rolled back (the server already dropped it if the connection
    was cut), so none of its writes is kept — only a connection lost during the COMMIT itself
    leaves the outcome unknown. The next request gets a tested connection (``pool_pre_ping``,
    app.config).
    """
    cause = exc.orig if exc.orig is not None else exc
    log.error("database unavailable on %s %s: %s: %s", request.method, request.path, type(cause).__name__,
              (str(cause).strip().splitlines() or [""])[0])
    from app.extensions import db

    with contextlib.suppress(Exception):
        db.session.rollback()
    # The page is rendered as for a visitor: loading the signed-in user would need the
    # database (the session cookie is left as it is, so the user stays signed in).
    g._login_user = current_app.login_manager.anonymous_user()
    title = _("Service unavailable")
    message = _("The service is temporarily unavailable. Please try again later.")
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER), "Cache-Control": "no-store"}
    if _wants_json():
        headers["Content-Type"] = "application/problem+json"
        return {"type": "about:blank", "title": title, "status": 503, "detail": message}, 503, headers
    from app.i18n import current_locale

    # Straight from the template environment: the context processors of the layout read
    # the database (unread notifications, memberships), this page must not.
    again = request.full_path.rstrip("?") if request.method == "GET" else "/"
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(
        title=title, message=message, locale=current_locale(),
        retry_url=again if again.startswith("/") and not again.startswith(("//", "/\\")) else "/")
    return page, 503, headers
