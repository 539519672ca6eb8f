"""Session versions: every session and remember-me cookie names the user and the
``session_version`` it was signed in with (the Flask-Login id is "<user id>:<version>").

Bumping the user's version ends every session signed in before, on its next request,
remember-me cookies included (their value is that same id): "sign out everywhere", a
password change or reset do so. A deactivated user is refused by the loader whatever
the version. API tokens (app.api.tokens) are separate and stay valid.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import login_user, logout_user

from app.extensions import db

# The keys Flask-Login keeps in the session for the signed-in user.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember_seconds")


def session_id(user) -> str:
    """The id stored in the session and the remember-me cookie for this user."""
    return f"{user.id}:{user.session_version or 0}"


def parse_session_id(value: str | None) -> tuple[int, int] | None:
    """(user id, version) from a stored id; a bare "<id>" (signed in before versions) is version 0."""
    user_part, _, version_part = (value or "").partition(":")
    if not user_part.isdigit() or not (version_part or "0").isdigit():
        return None
    return int(user_part), int(version_part or "0")


def load_user(value: str):
    """The user a session (or remember-me cookie) belongs to, or None when it is no longer valid.

    A stale session is emptied of its sign-in and its remember-me cookie is deleted with
    the response, so the browser is signed out for good rather than on this request only.
    """
    from app.accounts.models import User

    parsed = parse_session_id(value)
    user = db.session.get(User, parsed[0]) if parsed else None
    if user is not None and user.active and (user.session_version or 0) == parsed[1]:
        return user
    for key in _LOGIN_KEYS:
        session.pop(key, None)
    session["_remember"] = "clear"
    return None


def end_all_sessions(user) -> int:
    """Bump the user's session version: every session signed in before ends. The new version."""
    user.session_version = (user.session_version or 0) + 1
    return user.session_version


def _remember_cookie_sent() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _fresh_session() -> None:
    """Empty the session (no fixation, nothing left of before), keeping the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user, *, remember: bool | None = None) -> None:
    """Sign the user in on a fresh session with their current version.

    ``remember=None`` keeps "stay signed in" as it was on this browser (a password change
    renews the remember-me cookie with the new version rather than dropping it).
    """
    if remember is None:
        remember = _remember_cookie_sent()
    _fresh_session()
    login_user(user, remember=remember)
    if not remember and _remember_cookie_sent():
        session["_remember"] = "clear"  # someone's earlier "stay signed in" ends with this sign-in


def end_session() -> None:
    """Sign out this browser: the session emptied (but its language) and the remember-me cookie deleted."""
    logout_user()
    _fresh_session()
    if _remember_cookie_sent():
        session["_remember"] = "clear"  # logout_user asked for it; the clear above dropped the request
