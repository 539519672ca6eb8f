"""Open data exports (OCDS). (routes to come)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("opendata", __name__, url_prefix="/open-data")
