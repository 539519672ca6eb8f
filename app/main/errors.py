"""Friendly error pages (and JSON problems for API clients)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_errors(app: Flask) -> None:
    def render(status: int, title: str, message: str):
        if _wants_json():
            body = {"type": "about:blank", "title": title, "status": status, "detail": message}
            return body, status, {"Content-Type": "application/problem+json"}
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(403)
    def forbidden(_exc):
        return render(403, _("Access denied"), _("You do not have access to this page with your current account."))

    @app.errorhandler(404)
    def not_found(_exc):
        return render(404, _("Page not found"), _("This page does not exist or is no longer available."))

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render(400, _("Form expired"), _("The form had expired. Go back, reload the page and try again."))

    @app.errorhandler(500)
    def server_error(_exc):
        from app.extensions import db

        db.session.rollback()
        return render(500, _("Something went wrong"), _("An unexpected error occurred. It has been logged; please try again later."))

    @app.errorhandler(HTTPException)
    def other_http(exc: HTTPException):
        return render(exc.code or 500, exc.name, exc.description or "")
