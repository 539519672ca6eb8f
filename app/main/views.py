"""The home page, fitted to the visitor's role, and small utility routes."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.accounts.policy import home_role

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/home_public.html")
    role = home_role(current_user)
    return render_template(f"main/home_{role}.html", role=role)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and go back where the visitor was."""
    if code in ("fr", "en"):
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            from app.events import commit

            current_user.locale = code
            commit()
    target = request.args.get("next") or url_for("main.home")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.home")
    return redirect(target)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
