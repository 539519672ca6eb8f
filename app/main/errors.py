"""Friendly error pages (and JSON problems for API clients)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# Headers of an HTTP error that the client needs to act on it.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


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

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        original = exc.get_response().headers
        kept = {name: original[name] for name in _KEPT_HEADERS if name in original}
        return render(code, *_messages(code), headers=kept, exc=exc)
