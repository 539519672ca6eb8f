"""The commitment tracker's pages: dashboard, public figures, pledges, declared purchases
and their verification. One blueprint; its routes live in the ``views_*`` modules
imported at the bottom."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("commitments", __name__, url_prefix="/commitment")

from app.commitments import views_dashboard, views_pledges, views_purchases  # noqa: E402,F401 - routes on bp
