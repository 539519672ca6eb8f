"""The bid box on a need's page, for each kind of reader."""

from __future__ import annotations

import pytest
from flask import g
from flask_login import login_user, logout_user

from app.accounts.models import Role
from app.bids.panel import bid_panel
from app.extensions import db
from tests.bids.helpers import make_large
from tests.factories import make_bid, make_member, make_need, make_operator, make_org


@pytest.fixture()
def scene(app_ctx):
    buyer, buyer_user = make_org("administration", verified=True)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    supplier, supplier_user = make_org("startup", verified=True)
    big, big_user = make_org("sme", verified=True)
    make_large(big)
    _, fresh_user = make_org("startup", verified=False)
    _, stranger = make_org("corporate", verified=True)
    operator = make_operator()
    db.session.commit()
    need = make_need(buyer, sme_set_aside=True)
    return locals()


def panel_for(app, user, need, lang: str = "en") -> str:
    with app.test_request_context(f"/needs/{need.reference}?lang={lang}"):
        g.pop("current_membership", None)  # the test's app context outlives each request
        if user is not None:
            login_user(user)
        html = str(bid_panel(need))
        logout_user()
    return html


def test_an_anonymous_visitor_is_invited_to_sign_in(app, scene):
    html = panel_for(app, None, scene["need"])
    assert 'data-mode="anonymous"' in html and "Sign in to bid" in html
    assert "/login?next=" in html


def test_a_supplier_without_a_bid_gets_the_bid_button(app, scene):
    html = panel_for(app, scene["supplier_user"], scene["need"])
    assert 'data-marker="bid-button"' in html and f"/needs/{scene['need'].reference}/bid" in html


def test_a_supplier_with_a_bid_sees_its_status_and_may_change_or_withdraw_it(app, scene):
    make_bid(scene["need"], scene["supplier"])
    html = panel_for(app, scene["supplier_user"], scene["need"])
    assert "Submitted" in html and "Change the bid" in html and "/bid/withdraw" in html


def test_an_ineligible_supplier_is_told_why(app, scene):
    html = panel_for(app, scene["big_user"], scene["need"])
    assert 'data-marker="bid-refusal"' in html and "250 employees or more" in html
    assert 'data-marker="bid-button"' not in html
    fr = panel_for(app, scene["big_user"], scene["need"], lang="fr")
    assert 'data-marker="bid-refusal"' in fr
    assert "awaiting verification" in panel_for(app, scene["fresh_user"], make_need(scene["buyer"]))


def test_the_buyer_sees_the_number_of_bids_and_the_link_once_unsealed(app, scene):
    make_bid(scene["need"], scene["supplier"])
    make_bid(scene["need"], scene["big"], status="draft")
    sealed = panel_for(app, scene["buyer_user"], scene["need"])
    assert 'data-bid-count="1"' in sealed and "Compare the bids" not in sealed
    closed = make_need(scene["buyer"], status="closed")
    make_bid(closed, scene["supplier"])
    for user in (scene["buyer_user"], scene["ambassador"], scene["operator"]):
        html = panel_for(app, user, closed)
        assert 'data-bid-count="1"' in html and "Compare the bids" in html


def test_another_buyer_sees_no_bid_box(app, scene):
    assert panel_for(app, scene["stranger"], scene["need"]) == ""
