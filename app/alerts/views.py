"""The alerts pages: saved searches, the notification centre, preferences and unsubscribe.

One blueprint; its routes live in the ``views_*`` modules imported at the bottom.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

from app.alerts import views_inbox, views_searches, views_settings  # noqa: E402,F401 - routes on bp
