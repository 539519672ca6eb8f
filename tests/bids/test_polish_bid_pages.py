"""The bid pages as people read them: French colons and percentages, the bid box of a
closed need, tables a keyboard can scroll."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.bids.models import Award, Evaluation
from app.db import utcnow
from app.extensions import db
from app.needs.doctrine import CRITERIA
from tests.factories import login, make_bid, make_need, make_org

NBSP, NNBSP = "\u00a0", "\u202f"


def page(client, url: str, lang: str = "fr") -> str:
    response = client.get(url, query_string={"lang": lang})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture()
def market(client, app):
    with app.app_context():
        buyer, buyer_user = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        supplier, _ = make_org("startup", verified=True, name="Orbinova", email="claire@orbinova.fr")
        open_need = make_need(buyer, title="Open need")
        closed = make_need(buyer, title="Closed need", status="closed")
        awarded = make_need(buyer, title="Awarded need", status="awarded")
        cancelled = make_need(buyer, title="Cancelled need", status="cancelled")
        lapsed = make_need(buyer, title="Lapsed need")  # published, deadline passed, not yet closed
        lapsed.deadline_at = utcnow() - timedelta(minutes=5)
        won = make_bid(awarded, supplier, status="awarded", price_eur=3_424_100)
        db.session.add(Award(need_id=awarded.id, bid_id=won.id, awarded_by_id=buyer_user.id,
                             amount_cents=3_424_100_00, awarded_at=utcnow()))
        turned_down = make_bid(closed, supplier, status="rejected")
        turned_down.feedback = "Hébergement hors de l’Union."
        other, _ = make_org("sme", verified=True, name="Nimbus")
        scored = make_bid(closed, other)
        db.session.commit()
        return {
            "open": open_need.reference, "closed": closed.reference, "awarded": awarded.reference,
            "cancelled": cancelled.reference, "lapsed": lapsed.reference,
            "won": won.id, "turned_down": turned_down.id, "scored": scored.id, "buyer_user": buyer_user.id,
        }


def test_a_visitor_is_invited_to_sign_in_only_while_bids_are_open(client, market):
    html = page(client, f"/needs/{market['open']}")
    assert "Se connecter pour répondre" in html and 'data-marker="bids-closed"' not in html
    for state in ("closed", "awarded", "cancelled", "lapsed"):
        html = page(client, f"/needs/{market[state]}")
        assert 'data-marker="bids-closed"' in html, state
        assert f"Les offres sont closes{NBSP}: ce besoin n’en accepte plus." in html, state
        assert "Se connecter pour répondre" not in html and "/login?next=" not in html, state
    english = page(client, f"/needs/{market['closed']}", "en")
    assert "Bids are closed: this need no longer accepts bids." in english and "Sign in to bid" not in english


def test_the_suppliers_bid_box_puts_a_space_before_the_colon_in_french(client, market):
    login(client, "claire@orbinova.fr")
    html = page(client, f"/needs/{market['closed']}")
    assert f"Votre offre{NBSP}:" in html and "Votre offre:" not in html
    assert f"<strong>Motifs de l’acheteur{NBSP}:</strong> Hébergement hors de l’Union." in html
    english = page(client, f"/needs/{market['closed']}", "en")
    assert "Your bid:" in english and "<strong>Buyer's feedback:</strong>" in english.replace("&#39;", "'")


def test_our_bids_show_the_awarded_amount_after_a_french_colon(client, market):
    login(client, "claire@orbinova.fr")
    html = page(client, "/bids")
    assert f"Attribuée{NBSP}: 3{NNBSP}424{NNBSP}100{NBSP}€" in html and "Attribuée:" not in html
    assert "Awarded: €3,424,100" in page(client, "/bids", "en")


def test_the_evaluation_puts_the_colon_and_the_percentages_the_french_way(client, app, market):
    with app.app_context():
        db.session.add(Evaluation(bid_id=market["scored"], evaluator_id=market["buyer_user"],
                                  **{f"score_{c}": 4 for c in CRITERIA}))
        db.session.commit()
    login(client, "buyer@min.gouv.fr")
    html = page(client, f"/bids/{market['scored']}")
    assert f"Note pondérée{NBSP}:" in html and "Note pondérée:" not in html
    assert f"(20{NBSP}%)" in html and "20%" not in html  # the weight of sovereignty
    assert _regions(html) == ["scores-caption"]  # the scores table scrolls sideways on a phone
    english = page(client, f"/bids/{market['scored']}", "en")
    assert "Weighted score:" in english and "(20%)" in english


def _regions(html: str) -> list[str]:
    """The labels of the focusable scroll regions, checked to name an element of the page."""
    labels = re.findall(r'<div class="[^"]*\btable-scroll\b[^"]*" role="region" aria-labelledby="([^"]+)" '
                        r'tabindex="0">', html)
    for label in labels:
        assert f'id="{label}"' in html, label
    return labels


def test_scrollable_tables_are_regions_a_keyboard_can_reach(client, app, market):
    login(client, "buyer@min.gouv.fr")
    received = page(client, f"/needs/{market['closed']}/bids")
    assert _regions(received) == ["ranking-title", "compare-title"]
    assert _regions(page(client, f"/bids/{market['turned_down']}")) == []  # no score yet: no table
    client.post("/logout")
    login(client, "claire@orbinova.fr")
    assert _regions(page(client, "/bids")) == ["my-bids-caption"]
