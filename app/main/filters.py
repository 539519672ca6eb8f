"""Template filters: money in euros from integer cents, times in Europe/Paris, domain words.

- ``{{ cents|euros }}``: "12 500 €" in French, "€12,500" in English (never floats).
- ``{{ when|paris }}``, ``{{ when|paris("short") }}``: date and time in Europe/Paris.
- ``{{ when|paris_date }}``: the date alone, as seen in Paris.
- ``{{ when|paris_long }}``: "vendredi 27 novembre 2026 à 16:00 (heure de Paris)" /
  "Friday 27 November 2026, 4:00 PM (Paris time)", for a deadline read on its own.
- ``{{ weight|percent }}``: "20 %" in French (no-break space), "20%" in English.
- ``{{ when|until }}``: "dans 3 jours" / "in 3 days" (or "il y a 2 heures" once past).
- ``{{ status|label }}``: the word for an enum value; ``{{ status|badge }}``: a badge.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_date, format_datetime, format_timedelta
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.db import utcnow
from app.i18n import current_locale
from app.main.labels import label, tone

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


def paris_date(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return format_date(value, fmt)  # rebased to Europe/Paris before the date is taken


def paris_long(value: datetime | None) -> str:
    """A moment spelled out for a reader, with the day, in Paris time, saying so."""
    if value is None:
        return "—"
    french = current_locale() == "fr"
    # TRANSLATORS: a deadline, e.g. "Friday 27 November 2026, 4:00 PM (Paris time)".
    return _(
        "%(date)s, %(time)s (Paris time)",
        date=format_date(value, "EEEE d MMMM y"),  # Flask-Babel rebases to Europe/Paris first
        time=format_datetime(value, "HH:mm" if french else "h:mm a"),
    )


def percent(value: int | None) -> str:
    """A whole percentage in the reader's typography: "20 %" (no-break space) or "20%"."""
    if value is None:
        return "—"
    return f"{value}\u00a0%" if current_locale() == "fr" else f"{value}%"


def until(value: datetime | None) -> str:
    """How far a moment is from now, with its direction ("in 3 days", "2 hours ago")."""
    if value is None:
        return "—"
    return format_timedelta(value - utcnow(), granularity="minute", add_direction=True)


def badge(value: object) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(tone(value), escape(label(value)))


def init_filters(app: Flask) -> None:
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["paris"] = paris_time
    app.jinja_env.filters["paris_date"] = paris_date
    app.jinja_env.filters["paris_long"] = paris_long
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["until"] = until
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["badge"] = badge
