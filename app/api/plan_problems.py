"""Refusals by the organisation's plan, the same for every API resource.

What a supplier's plan does not include (app.billing.entitlements decides) is answered
``402 Payment Required``: a problem whose ``type`` is PLAN_REQUIRED_TYPE (so a client
tells it from a refusal of rights, 403), whose ``detail`` says what the plan allows,
and whose ``upgrade_url`` is the organisation's billing page. Nothing is changed.
Public-route needs are never refused this way.
"""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.exceptions import HTTPException

PLAN_REQUIRED_STATUS = 402
PLAN_REQUIRED_ANCHOR = "plan-required"
PLAN_REQUIRED_DESCRIPTION = ("The organisation's plan does not include this (problem type …/api/v1/docs#"
                             + PLAN_REQUIRED_ANCHOR + ", with upgrade_url); nothing was changed")


class PlanRequired(HTTPException):
    """402 Payment Required (werkzeug has no class of its own for it); ``data`` as flask-smorest's."""

    code = PLAN_REQUIRED_STATUS
    description = "The organisation's plan does not include this."

    def __init__(self, **data):
        super().__init__()
        self.data = data


def plan_required_type() -> str:
    """The problem type of plan refusals: the API reference's section on them."""
    return url_for("api_docs.index", _external=True, _anchor=PLAN_REQUIRED_ANCHOR)


def abort_plan_required(message: str) -> None:
    """Answer 402 with the plan-required problem (after rolling back any change)."""
    from app.billing.entitlements import upgrade_url
    from app.extensions import db

    db.session.rollback()
    base = current_app.config.get("PUBLIC_URL") or ""
    link = upgrade_url(external=True)
    if link.startswith("/"):
        link = base.rstrip("/") + link
    raise PlanRequired(message=message, type=plan_required_type(), upgrade_url=link)
