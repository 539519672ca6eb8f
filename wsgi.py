"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import sys

from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # one line naming the setting, then stop
    sys.exit(f"Tremplin cannot start: configuration error: {exc}")
