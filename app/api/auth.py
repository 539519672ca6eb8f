"""Token authentication for API resources: ``require_token(scope)`` gives the resource a Viewer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from flask_smorest import abort

from app.api.models import SCOPES, ApiToken
from app.api.tokens import authenticate
from app.needs.policy import Viewer

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="Tremplin API"'}


def require_token(scope: str) -> Callable:
    """Refuse the request without a live token (401) or without ``scope`` on it (403).

    The resource then finds the token in ``g.api_token`` and the viewer it acts as in
    ``g.api_viewer`` (``api_viewer()``): the token's user in the token's organisation,
    built exactly as for the web interface.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = authenticate(request.headers.get("Authorization"))
            if token is None:
                abort(401, headers=CHALLENGE)
            if not token.allows(scope):
                abort(403, message=_("This token lacks the “%(scope)s” scope.", scope=scope),
                      headers={"WWW-Authenticate": f'Bearer realm="Tremplin API", error="insufficient_scope", scope="{scope}"'})
            membership = next(m for m in token.user.memberships if m.organisation_id == token.organisation_id)
            g.api_token = token
            g.api_viewer = Viewer.of(token.user, membership)
            return view(*args, **kwargs)

        wrapped._api_scope = scope
        return wrapped

    return decorator


def api_token() -> ApiToken:
    return g.api_token


def api_viewer() -> Viewer:
    return g.api_viewer
