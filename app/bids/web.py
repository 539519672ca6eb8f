"""The bids blueprint and what its pages share: finding what the viewer may see, showing refusals."""

from __future__ import annotations

from flask import Blueprint, abort, flash
from sqlalchemy import select

from app.bids.forms import REFUSAL_CODES, message_for
from app.bids.models import Bid
from app.bids.services import BidError
from app.extensions import db
from app.needs import policy
from app.needs.models import Need
from app.needs.policy import Viewer

bp = Blueprint("bids", __name__)


@bp.record_once
def _setup(state) -> None:
    from app.bids.panel import init_panel

    init_panel(state.app)


def need_or_404(reference: str, viewer: Viewer) -> Need:
    """The need with this reference if the viewer may know it exists; else 404."""
    need = db.session.scalar(select(Need).where(Need.reference == reference))
    if need is None or not policy.can_view_need(viewer, need):
        abort(404)
    return need


def bid_or_404(bid_id: int, viewer: Viewer) -> Bid:
    """A bid the viewer may read (its supplier, the buyer once unsealed, the operator); else 404."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or not policy.can_view_bid(viewer, bid):
        abort(404)
    return bid


# Lost races with another request: someone else's bid or change came first.
CONFLICT_CODES = {"duplicate_bid", "changed_meanwhile"}


def status_for(exc: BidError) -> int:
    """403 when the person may not do this, 409 when another request came first, 400 when
    what they typed is wrong."""
    if exc.code in CONFLICT_CODES:
        return 409
    return 403 if exc.code in REFUSAL_CODES else 400


def show_problems(exc: BidError, *forms) -> None:
    """Put each problem on the form field it concerns, or in a flash message."""
    flashed = set()
    for field_name, code in exc.problems:
        target = next((form[field_name] for form in forms if form is not None and field_name in form), None)
        message = message_for(code)
        if target is not None:
            target.errors = [*target.errors, message]
        elif message not in flashed:
            flashed.add(message)
            flash(message, "error")
