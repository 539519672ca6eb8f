"""Template filters: money in euros from integer cents, times in Europe/Paris."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_datetime

from app.i18n import current_locale

PARIS = ZoneInfo("Europe/Paris")


def euros(cents: int | None, *, precise: bool = False) -> str:
    """Format integer cents as euros in the reader's language, without floats."""
    if cents is None:
        return "—"
    whole, rest = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    sep = "\u202f" if current_locale() == "fr" else ","
    grouped = f"{whole:,}".replace(",", sep)
    if precise or rest:
        decimal = "," if current_locale() == "fr" else "."
        grouped = f"{grouped}{decimal}{rest:02d}"
    return f"{sign}{grouped}\u00a0€" if current_locale() == "fr" else f"{sign}€{grouped}"


def paris_time(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return format_datetime(value, fmt)  # Flask-Babel converts to BABEL_DEFAULT_TIMEZONE


def init_filters(app: Flask) -> None:
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["paris"] = paris_time
