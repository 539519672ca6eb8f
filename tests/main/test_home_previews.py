"""Dashboards preview the most recent needs and send to the paged list for the rest; their
totals still count everything."""

from __future__ import annotations

import re

from app.accounts.models import Role
from app.bids.models import BidStatus
from app.needs.models import NeedStatus
from tests.factories import login, make_member, make_org
from tests.main.builders import make_bid, make_need
from tests.main.test_home import page, stat


def test_the_buyer_dashboard_shows_five_needs_per_status_and_links_to_all(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère Prolifique", email="acheteur@prolifique.gouv.fr")
        startup, _ = make_org("startup", name="Quantix")
        published = [make_need(ministry, title=f"Besoin publié numéro {n:02d}") for n in range(7)]
        make_need(ministry, title="Unique brouillon", status=NeedStatus.DRAFT)
        for need in published:  # one bid on each: the oldest ones are not listed, still counted
            make_bid(need, startup, status=BidStatus.SUBMITTED)
    login(client, "acheteur@prolifique.gouv.fr")
    html = page(client.get("/?lang=en"))

    published_group = html.split('id="needs-published"', 1)[1].split("</section>", 1)[0]
    listed = re.findall(r"Besoin publié numéro (\d\d)", published_group)
    assert sorted(listed) == ["02", "03", "04", "05", "06"]  # the five most recently changed
    assert "The 5 most recent of 7" in published_group and 'href="/needs/mine"' in published_group
    draft_group = html.split('id="needs-draft"', 1)[1].split("</section>", 1)[0]
    assert "Unique brouillon" in draft_group and 'href="/needs/mine"' not in draft_group
    assert stat(html, "needs") == 8
    assert stat(html, "bids received") == 7


def test_a_buyer_without_needs_is_offered_to_post_the_first(client, app):
    with app.app_context():
        make_org("administration", name="Ministère Neuf", email="acheteur@neuf.gouv.fr")
    login(client, "acheteur@neuf.gouv.fr")
    html = page(client.get("/?lang=en"))
    empty = html.split('data-marker="empty-needs"', 1)[1].split("</div>", 1)[0]
    assert 'href="/needs/new"' in empty


def test_the_ambassador_dashboard_previews_twenty_needs(client, app):
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère Vaste")
        make_member(ministry, role=Role.AMBASSADOR, email="ambassadeur@vaste.gouv.fr")
        for n in range(22):
            make_need(ministry, title=f"Besoin vaste {n:02d}")
    login(client, "ambassadeur@vaste.gouv.fr")
    html = page(client.get("/?lang=en"))
    assert len(set(re.findall(r"Besoin vaste (\d\d)", html))) == 20
    assert "Besoin vaste 00" not in html and "Besoin vaste 21" in html
    assert "The 20 most recently changed of 22 needs" in html
