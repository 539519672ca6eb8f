"""API errors as RFC 9457 problem details (``application/problem+json``).

Every error under ``/api/`` — raised by a resource, by webargs validation (422 with
field errors) or by Flask itself (404 on an unknown path, 405, 500) — is answered here,
called from the application's error handlers (app.main.errors).
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "about:blank"
MEDIA_TYPE = "application/problem+json"


class ProblemSchema(ma.Schema):
    """The problem document (for the OpenAPI description)."""

    type = ma.fields.String(metadata={"description": "A URI identifying the problem type"})
    title = ma.fields.String(metadata={"description": "A short summary of the problem type"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong in this occurrence"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation failures: messages by field name"},
    )
    upgrade_url = ma.fields.String(metadata={
        "format": "uri", "description": "Where the organisation changes its plan (402 plan-required problems)"})


def _texts(status: int) -> tuple[str, str]:
    known = {
        400: (_("Invalid request"), _("The request could not be understood.")),
        402: (_("Plan required"), _("The organisation's plan does not include this.")),
        401: (_("Authentication required"),
              _("Send a valid API token in an Authorization header: Bearer <token>.")),
        403: (_("Forbidden"), _("This token may not perform this operation.")),
        404: (_("Not found"), _("No such resource.")),
        405: (_("Method not allowed"), _("This resource does not support this method.")),
        409: (_("Conflict"), _("The request conflicts with the current state of the resource.")),
        412: (_("Precondition failed"), _("The resource has changed since you last read it.")),
        422: (_("Invalid parameters"), _("Some parameters are invalid: see errors.")),
        429: (_("Too many requests"), _("Too many requests in a short time. Wait and try again.")),
        500: (_("Internal error"), _("An unexpected error occurred. It has been logged.")),
    }
    if status in known:
        return known[status]
    return _("Request not completed"), _("The request could not be completed.")


def field_errors(messages) -> dict[str, list[str]]:
    """webargs messages ({location: {field: [..]}}) as a flat {field: [messages]} dict."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, dict):
                    walk(prefix, item)
                else:
                    flat.setdefault(prefix or "_schema", []).append(str(item))
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "headers", "files",
                                                         "cookies", "path", "view_args"}:
        for location_messages in messages.values():
            walk("", location_messages)
    else:
        walk("", messages)
    return flat


def problem(status: int, exc: Exception | None = None, headers: dict | None = None):
    """The problem response (body, status, headers) for an error under /api/."""
    title, detail = _texts(status)
    data = getattr(exc, "data", None) or {}
    limit = getattr(exc, "limit", None)
    if status == 429 and limit is not None:  # flask_limiter.RateLimitExceeded
        from app.api.rate_limits import limit_text

        detail = _("Too many requests: this API allows %(limit)s. Wait and try again.", limit=limit_text(limit.limit))
    if data.get("message"):
        detail = str(data["message"])
    body: dict[str, object] = {"type": str(data.get("type") or PROBLEM_TYPE), "title": title, "status": status,
                               "detail": detail}
    if data.get("upgrade_url"):
        body["upgrade_url"] = str(data["upgrade_url"])
    messages = data.get("errors") or data.get("messages")
    if messages:
        body["errors"] = field_errors(messages)
    headers = dict(headers or {})
    headers.update(data.get("headers") or {})
    if isinstance(exc, HTTPException) and status == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="Tremplin API"'
    headers["Content-Type"] = MEDIA_TYPE
    return body, status, headers
