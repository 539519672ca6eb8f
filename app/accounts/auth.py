"""Flask-Login wiring: loading users and the current organisation."""

from __future__ import annotations

from flask import Flask, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import login_manager


def init_auth(app: Flask) -> None:
    from app.accounts.passwords import configure

    configure(app.config.get("PASSWORD_HASH_PARAMS"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from app.accounts.sessions import load_user

    login_manager.user_loader(load_user)

    from app.accounts.labels import org_kind_label, role_label

    app.jinja_env.globals.update(org_kind_label=org_kind_label, role_label=role_label)

    @app.context_processor
    def _membership_context():
        return {"current_membership": current_membership()}


def current_membership():
    """The membership the signed-in user acts through (first one unless chosen)."""
    if "current_membership" in g:
        return g.current_membership
    membership = None
    if current_user.is_authenticated and current_user.memberships:
        chosen = session.get("org_id")
        membership = next(
            (m for m in current_user.memberships if m.organisation_id == chosen),
            current_user.memberships[0],
        )
    g.current_membership = membership
    return membership


def current_organisation():
    membership = current_membership()
    return membership.organisation if membership else None
