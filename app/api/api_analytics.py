"""The supplier's own figures through the API: GET /analytics, as on the /analytics page.

Suppliers' members only (another organisation: 403). Under a plan without analytics
(app.billing.entitlements) the answer is a 402 plan-required problem
(app.api.plan_problems); everyone has them while billing is off.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from app.accounts.models import Organisation
from app.analytics.queries import STATUS_ORDER, supplier_figures
from app.api.auth import api_viewer, require_token
from app.api.plan_problems import PLAN_REQUIRED_DESCRIPTION, abort_plan_required
from app.api.schemas import Derived, MoneySchema, money
from app.billing import entitlements
from app.extensions import db

analytics_blp = Blueprint("api_analytics", __name__, url_prefix="/analytics",
                          description="The token's supplier organisation's own figures")


def blueprints() -> list[Blueprint]:
    return [analytics_blp]


BidsByStatusSchema = ma.Schema.from_dict(
    {status.value: ma.fields.Integer(metadata={"description": f"Bids now {status.value}"}) for status in STATUS_ORDER},
    name="BidsByStatus",
)


class MonthCountSchema(ma.Schema):
    month = ma.fields.Function(lambda m: m.month.strftime("%Y-%m"), metadata={
        "type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "The calendar month in Paris, YYYY-MM"})
    count = ma.fields.Integer()


class AnalyticsSchema(ma.Schema):
    bids_by_status = ma.fields.Nested(BidsByStatusSchema)
    bids_submitted = ma.fields.Integer(metadata={"description": "Bids ever submitted (drafts aside, withdrawn ones in)"})
    bids_this_month = ma.fields.Integer(metadata={
        "description": "Bids first submitted since the month began (Paris time)"})
    decided = ma.fields.Integer(metadata={"description": "Bids decided by buyers: awarded or not retained"})
    awarded = ma.fields.Integer(metadata={"description": "Bids awarded"})
    win_rate_percent = ma.fields.Integer(allow_none=True, metadata={
        "description": "Awarded out of decided, as a rounded whole percentage; null until a bid is decided"})
    awarded_amount = Derived(MoneySchema, derive=lambda f: money(f.awarded_cents), metadata={
        "description": "The sum of the amounts awarded"})
    categories = ma.fields.List(ma.fields.String(), metadata={
        "description": "The field: category codes of the profile and the solutions"})
    needs_by_month = ma.fields.List(ma.fields.Nested(MonthCountSchema), metadata={
        "description": "Needs published in the field and visible to the organisation, over the last 12 months "
                       "(oldest first)"})


@analytics_blp.route("")
class Analytics(MethodView):
    @require_token("read")
    @analytics_blp.response(200, AnalyticsSchema)
    @analytics_blp.alt_response(402, description="The organisation's plan has no analytics. "
                                                 + PLAN_REQUIRED_DESCRIPTION)
    @analytics_blp.alt_response(403, description="Not a supplier's member")
    def get(self):
        """The organisation's bids by status, win rate, awarded amount, bids this month, needs in its field"""
        viewer = api_viewer()
        if not viewer.is_supplier:
            abort(403, message=_("Analytics are for startups and SMEs: their own bids and field."))
        organisation = db.session.get(Organisation, viewer.organisation_id)
        if not entitlements.analytics_allowed(organisation):
            abort_plan_required(_("Analytics come with the %(upgrade)s plan; your organisation is on the "
                                  "%(plan)s plan.", upgrade=entitlements.upgrade_plan_name("supplier_analytics"),
                                  plan=entitlements.plan_name(organisation)))
        return supplier_figures(viewer)
