"""/analytics: a supplier's own figures (Pro, or everyone while billing is off); Free suppliers
see what it offers and the way to upgrade; buyers are refused."""

from __future__ import annotations

import pytest

from tests.analytics.conftest import BUYER_EMAIL, SUPPLIER_EMAIL, seed_history, subscribe
from tests.factories import login


@pytest.fixture()
def history(client, app):
    with app.app_context():
        seeded = seed_history()
        ids = {"supplier": seeded["supplier"].id}
    client.get("/lang/en")
    return ids


def page_of(client, email=SUPPLIER_EMAIL):
    login(client, email)
    return client.get("/analytics")


def assert_figures(html: str) -> None:
    assert 'data-marker="analytics-figures"' in html
    assert '<p class="stat-value">5</p>' in html  # bids submitted: all but the draft
    assert '<p class="stat-value">2</p>' in html  # this month: the submitted and the withdrawn ones
    assert '<p class="stat-value">33%</p>' in html  # 1 awarded out of 3 decided
    assert "€234,567.89" in html  # the awarded amount, from integer cents
    for status, count in (("draft", 1), ("submitted", 1), ("withdrawn", 1), ("awarded", 1), ("rejected", 2),
                          ("shortlisted", 0)):
        assert f'<tr data-status="{status}"><th scope="row">' in html
        assert html.split(f'<tr data-status="{status}">')[1].split("</tr>")[0].endswith(f'<td class="num">{count}</td>')
    assert "2 needs published in your profile" in html  # in its field over 12 months, not the old one
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="needs-by-month"' in html


def test_without_billing_a_supplier_sees_its_figures(client, history):
    response = page_of(client)
    assert response.status_code == 200
    assert_figures(response.get_data(as_text=True))


def test_a_pro_supplier_sees_its_figures(client, app, billing_on, history):
    with app.app_context():
        subscribe(history["supplier"])
    response = page_of(client)
    assert response.status_code == 200
    assert_figures(response.get_data(as_text=True))


def test_a_free_supplier_sees_what_the_page_offers_and_the_upgrade(client, billing_on, history):
    response = page_of(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-marker="analytics-upgrade"' in html
    assert "Analytics come with the Pro plan; your organisation is on the Free plan." in html
    assert "/organisation/billing" in html
    assert 'data-marker="analytics-figures"' not in html and "234,567.89" not in html


def test_buyers_are_refused(client, history):
    assert page_of(client, BUYER_EMAIL).status_code == 403


def test_the_supplier_navigation_links_to_it(client, history):
    login(client, SUPPLIER_EMAIL)
    assert 'href="/analytics"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, BUYER_EMAIL)
    assert 'href="/analytics"' not in client.get("/").get_data(as_text=True)
