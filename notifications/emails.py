"""Rendering notification emails (first version: plain text; templates to come)."""

from __future__ import annotations

from flask_babel import force_locale

from app.alerts.kinds import sentence
from app.alerts.models import Notification
from notifications.email import Mail


def build_notification_email(notification: Notification) -> Mail | None:
    user = notification.user
    with force_locale(user.locale or "fr"):
        text = sentence(notification)
    return Mail(to=user.email, subject=text[:200], text=text)
