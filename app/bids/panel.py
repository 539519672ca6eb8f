"""``bid_panel(need)``: the bid box of a need's page, fitted to who reads it.

The needs pages call it as ``{% if bid_panel is defined %}{{ bid_panel(need) }}{% endif %}``:
- a supplier sees its bid (status, change and withdraw buttons while allowed), or the
  button to bid, or why it may not bid;
- the buyer's people and the operator see how many bids came in, and a link to compare
  them once they are unsealed;
- an anonymous visitor is invited to sign in while the need is open for bids, and told
  that bids are closed once it is not; anyone else sees nothing.
"""

from __future__ import annotations

from flask import Flask, render_template, request, url_for
from markupsafe import Markup

from app.accounts.forms import EmptyForm
from app.bids import services
from app.bids.forms import REFUSAL_MESSAGES
from app.bids.models import BidStatus
from app.db import utcnow
from app.needs import policy
from app.needs.models import Need
from app.needs.policy import current_viewer


def panel_context(need: Need) -> dict | None:
    viewer = current_viewer()
    now = utcnow()
    if not policy.can_view_need(viewer, need):
        return None
    context = {"need": need, "now": now, "deadline_passed": policy.deadline_passed(need, now),
               "open_for_bids": policy.is_open_for_bids(need, now)}
    if not viewer.is_authenticated:
        return {**context, "mode": "anonymous",
                "login_url": url_for("accounts.login", next=request.path)}
    if policy.is_buyer_member(viewer, need) or viewer.is_operator:
        return {**context, "mode": "buyer", "count": services.count_received_bids(need),
                "unsealed": policy.bids_unsealed(need, now),
                "can_award": policy.can_award(viewer, need, now)}
    if not viewer.is_supplier:
        return None
    bid = services.bid_of(need, viewer.organisation_id)
    refusal = policy.bid_refusal(viewer, need, now)
    live_bid = bid if bid is not None and bid.status != BidStatus.WITHDRAWN else None
    return {
        **context, "mode": "supplier", "bid": bid,
        "can_change": live_bid is not None and policy.can_change_bid(viewer, live_bid, now),
        "can_bid": live_bid is None and refusal is None,
        "refusal": None if refusal is None else REFUSAL_MESSAGES.get(refusal.value),
        "empty_form": EmptyForm(),
    }


def bid_panel(need: Need) -> Markup:
    context = panel_context(need)
    if context is None:
        return Markup("")
    return Markup(render_template("bids/_panel.html", **context))


def init_panel(app: Flask) -> None:
    app.jinja_env.globals["bid_panel"] = bid_panel
