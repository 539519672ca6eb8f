"""The organisation's billing page: its plan and status, the plans, Stripe Checkout and portal.

Any member sees the page; only those ``policy.can_manage_billing`` allows (the owners) get
the buttons, which post here and are sent on to Stripe (303). Billing off (no
``STRIPE_SECRET_KEY``): every feature is available and the page says so. Public tenders
are free to read and to bid on whatever the plan, and the page says that too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.accounts.auth import current_organisation
from app.accounts.forms import EmptyForm
from app.billing import entitlements, policy, services
from app.billing.gateway import GatewayError
from app.billing.models import BillingAccount, SubscriptionStatus
from app.billing.plans import Plan
from app.events import commit
from app.extensions import db
from app.i18n import current_locale
from app.main.filters import euros, paris_date

bp = Blueprint("billing", __name__)

SUBSCRIBED = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)


@dataclass(frozen=True)
class Status:
    """The account's state in words, and the tone of its callout."""

    text: str
    tone: str = "info"  # info, success, warning, danger


@dataclass(frozen=True)
class PlanColumn:
    plan: Plan
    name: str
    price: str
    alerts: str
    private_bids: str
    analytics: str
    current: bool


def _date(value) -> str:
    return paris_date(value, "long")


def status_of(account: BillingAccount | None, plan: Plan, free: Plan) -> Status:
    """Where the subscription stands, as the owners need to read it."""
    name, free_name = plan.name(current_locale()), free.name(current_locale())
    status = account.status if account is not None else SubscriptionStatus.NONE
    ends = account.current_period_end if account is not None else None
    if status == SubscriptionStatus.PAST_DUE and entitlements.in_grace(account):
        return Status(_("Payment failed: the %(plan)s plan is kept until %(date)s, then the %(free)s plan "
                        "applies. Update your payment method to keep it.",
                        plan=name, date=_date(account.grace_until), free=free_name), "danger")
    if status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
        return Status(_("Payment failed: you are on the %(free)s plan. Update your payment method to get "
                        "your subscription back.", free=free_name), "danger")
    if status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING) and not plan.is_free:
        if account.cancel_at_period_end:
            return Status(_("Cancelled at the end of the period: the %(plan)s plan ends on %(date)s, then the "
                            "%(free)s plan applies.", plan=name, date=_date(ends), free=free_name), "warning")
        if status == SubscriptionStatus.TRIALING:
            return Status(_("Trial of the %(plan)s plan until %(date)s.", plan=name, date=_date(ends)))
        if ends is not None:
            return Status(_("%(plan)s plan, active: it renews on %(date)s.", plan=name, date=_date(ends)), "success")
        return Status(_("%(plan)s plan, active.", plan=name), "success")
    if status == SubscriptionStatus.CANCELED:
        return Status(_("Subscription cancelled: you are on the %(free)s plan.", free=free_name))
    if status == SubscriptionStatus.PAUSED:
        return Status(_("Subscription paused: you are on the %(free)s plan.", free=free_name))
    return Status(_("You are on the %(free)s plan.", free=free_name))


def price_of(plan: Plan) -> str:
    if plan.is_free:
        return _("Free of charge")
    if plan.interval == "year":
        return _("%(price)s excl. VAT / year", price=euros(plan.price_cents))
    return _("%(price)s excl. VAT / month", price=euros(plan.price_cents))


def column_of(plan: Plan, current: Plan) -> PlanColumn:
    rights = plan.entitlements
    bids = rights.private_bids_per_month
    return PlanColumn(
        plan=plan,
        name=plan.name(current_locale()),
        price=price_of(plan),
        alerts=_("Instant alerts") if rights.instant_alerts else _("Daily digest"),
        private_bids=(_("Unlimited") if bids is None
                      else ngettext("%(num)d bid per month", "%(num)d bids per month", bids)),
        analytics=_("Included") if rights.supplier_analytics else _("Not included"),
        current=plan.code == current.code,
    )


def _organisation():
    organisation = current_organisation()
    if organisation is None:
        abort(404)
    return organisation


def _public_url(**values) -> str:
    """An absolute address of the billing page for Stripe to send the user back to."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("billing.page", **values)


def _render(organisation, *, error: str | None = None, status: int = 200):
    enabled = entitlements.billing_enabled()
    supplier = organisation.is_supplier
    context = {"org": organisation, "enabled": enabled, "supplier": supplier, "error": error,
               "form": EmptyForm(), "manage": policy.can_manage_billing(current_user, organisation),
               "checkout": request.args.get("checkout") if request.method == "GET" else None}
    if enabled and supplier:
        account = entitlements.account_of(organisation.id)
        plans = entitlements.plans()
        current = entitlements.plan_of_account(account)
        free = next(plan for plan in plans.values() if plan.is_free)
        subscribed = account is not None and account.status in SUBSCRIBED
        context.update(
            account=account,
            status=status_of(account, current, free),
            columns=[column_of(plan, current) for plan in plans.values()],
            allowance=entitlements.private_bid_allowance(organisation),
            buyable=[] if subscribed else [plan for plan in plans.values() if not plan.is_free],
            portal=account is not None and bool(account.stripe_customer_id),
        )
    return render_template("billing/page.html", **context), status


@bp.get("/organisation/billing")
@login_required
def page():
    return _render(_organisation())


def _refused(organisation):
    """Why a billing change is refused before Stripe is asked, as (message, status), or None."""
    if not EmptyForm().validate_on_submit():
        abort(400)  # no or a stale CSRF token
    if not policy.can_manage_billing(current_user, organisation):
        abort(403)
    if not entitlements.billing_enabled():
        return _("Billing is turned off: every feature is available, there is nothing to pay."), 409
    if not organisation.is_supplier:
        return _("Posting needs is free for buyers: there is nothing to pay."), 409
    return None


def _failure(exc: services.BillingError | GatewayError):
    """The page re-rendered with what went wrong, nothing changed, as (message, status)."""
    db.session.rollback()
    if isinstance(exc, GatewayError) or exc.code == "stripe_unavailable":
        return _("Stripe could not be reached or refused the request. Nothing was changed; please try again "
                 "in a few minutes."), 502
    return exc.message, 409


@bp.post("/organisation/billing/checkout")
@login_required
def checkout():
    organisation = _organisation()
    refused = _refused(organisation)
    if refused is not None:
        return _render(organisation, error=refused[0], status=refused[1])
    paid = [code for code, plan in entitlements.plans().items() if not plan.is_free]
    plan_code = request.form.get("plan") or (paid[0] if len(paid) == 1 else "")
    try:
        url = services.start_checkout(organisation, by=current_user, plan_code=plan_code,
                                      success_url=_public_url(checkout="success"),
                                      cancel_url=_public_url(checkout="cancel"))
    except (services.BillingError, GatewayError) as exc:
        message, status = _failure(exc)
        return _render(organisation, error=message, status=status)
    commit()
    return redirect(url, code=303)


@bp.post("/organisation/billing/portal")
@login_required
def portal():
    organisation = _organisation()
    refused = _refused(organisation)
    if refused is not None:
        return _render(organisation, error=refused[0], status=refused[1])
    try:
        url = services.open_portal(organisation, by=current_user, return_url=_public_url())
    except (services.BillingError, GatewayError) as exc:
        message, status = _failure(exc)
        return _render(organisation, error=message, status=status)
    commit()
    return redirect(url, code=303)
