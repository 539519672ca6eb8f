"""The home page, fitted to the visitor's role, and small utility routes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.accounts.auth import current_membership
from app.accounts.policy import home_role
from app.main import services
from app.main.labels import PROFILE_STEPS
from app.main.navigation import init_navigation

bp = Blueprint("main", __name__)
init_navigation(bp)


def _role_context(role: str) -> dict:
    membership = current_membership()
    organisation = membership.organisation if membership is not None else None
    if role == "operator":
        return services.operator_home()
    if role == "supplier":
        return {**services.supplier_home(organisation), "profile_steps": PROFILE_STEPS}
    if role == "buyer":
        return services.buyer_home(organisation)
    if role == "ambassador":
        return services.ambassador_home(organisation)
    return {"organisation": organisation}


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/home_public.html", **services.public_home())
    role = home_role(current_user)
    return render_template(f"main/home_{role}.html", role=role, **_role_context(role))


def _safe_next(target: str | None) -> str:
    """A path on this site to go back to; anything else sends the visitor home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return url_for("main.home")
    return target


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and go back where the visitor was."""
    if code in ("fr", "en"):
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            from app.events import commit

            current_user.locale = code
            commit()
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
