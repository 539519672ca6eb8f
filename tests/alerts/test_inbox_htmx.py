"""Marking notifications read with htmx: the answer is the item (or the list) to swap in place,
with the centre's summary and the header's link out of band, so the unread count changes
without a reload. Without htmx the same forms post and redirect."""

from __future__ import annotations

import json
import re

import pytest

from tests.alerts.test_inbox import add, html, unread
from tests.bids.test_csrf import token
from tests.factories import PASSWORD, login, make_need, make_org

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/alerts/"}


@pytest.fixture()
def market(client, app):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True)
        _, lea = make_org("startup", verified=True, email="lea@quantix.fr")
        _, other = make_org("startup", verified=True, email="tom@autre.fr")
        need = make_need(buyer, title="Assistant souverain")
        ids = {"lea": lea.id, "other": other.id, "need": need.id, "reference": need.reference}
    client.get("/lang/en")
    return ids


def header_link(page: str) -> str:
    found = re.search(r'<a class="account-notifications" id="header-notifications".*?</a>', page, re.DOTALL)
    assert found, "no header notifications link"
    return found.group(0)


def test_each_unread_notification_has_a_mark_read_form_that_htmx_enhances(client, app, market):
    (first,) = add(app, market["lea"], market)
    login(client, "lea@quantix.fr")
    page = html(client.get("/alerts/"))
    assert f'<form method="post" action="/alerts/{first}/read" class="inline-form"' in page
    assert f'hx-post="/alerts/{first}/read" hx-target="closest li" hx-swap="outerHTML"' in page
    assert 'hx-post="/alerts/read" hx-target="#inbox-list"' in page
    assert 'id="header-notifications"' in header_link(page) and 'aria-current="page"' in header_link(page)


def test_marking_one_read_with_htmx_answers_the_item_and_the_new_count_out_of_band(client, app, market):
    first, second, third = add(app, market["lea"], market, 3)
    login(client, "lea@quantix.fr")
    response = client.post(f"/alerts/{second}/read", headers=HTMX)
    fragment = html(response)
    assert response.status_code == 200 and "HX-Request" in response.vary
    assert unread(app, market["lea"]) == {first, third}
    assert "<html" not in fragment and "site-header" not in fragment
    item = re.search(r'<li class="card notification".*?</li>', fragment, re.DOTALL).group(0)
    assert f'data-notification-id="{second}"' in item and "data-unread" not in item
    assert 'tabindex="-1" data-focus-after-swap' in item and "Mark as read" not in item
    assert f'href="/needs/{market["reference"]}"' in item  # read: a plain link to its object
    assert fragment.count("<li") == 1  # only this item, not the list
    summary = re.search(r'<div id="inbox-summary".*?</div>', fragment, re.DOTALL).group(0)
    assert 'hx-swap-oob="outerHTML"' in summary and "2 unread notifications" in summary
    link = header_link(fragment)
    assert 'hx-swap-oob="outerHTML"' in link and 'aria-current="page"' in link
    assert '<span class="badge badge-danger">2</span>' in link
    assert '<span class="visually-hidden">Notifications (2 unread)</span>' in link


def test_marking_the_last_one_read_removes_the_badge(client, app, market):
    (only,) = add(app, market["lea"], market)
    login(client, "lea@quantix.fr")
    fragment = html(client.post(f"/alerts/{only}/read", headers=HTMX))
    link = header_link(fragment)
    assert "badge" not in link and "Notifications (none unread)" in link
    assert "Everything is read." in fragment and "Mark all as read" not in fragment


def test_without_htmx_marking_one_read_redirects_to_the_centre(client, app, market):
    first, second = add(app, market["lea"], market, 2)
    login(client, "lea@quantix.fr")
    response = client.post(f"/alerts/{first}/read")
    assert response.status_code == 302 and response.headers["Location"] == "/alerts/"
    assert unread(app, market["lea"]) == {second}
    page = html(client.get("/alerts/"))
    assert "The notification is marked as read." in page and "1 unread notification" in page
    assert client.post(f"/alerts/{second}/read", data={"page": "2"}).headers["Location"] == "/alerts/?page=2"


def test_marking_all_read_with_htmx_answers_the_list_and_an_empty_badge(client, app, market):
    created = add(app, market["lea"], market, 3)
    login(client, "lea@quantix.fr")
    response = client.post("/alerts/read", headers=HTMX)
    fragment = html(response)
    assert response.status_code == 200 and unread(app, market["lea"]) == set()
    assert "<html" not in fragment and [int(n) for n in re.findall(r'data-notification-id="(\d+)"', fragment)] \
        == created[::-1]
    assert "data-unread" not in fragment
    assert re.search(r'id="inbox-summary-text" data-marker="unread-count" tabindex="-1" data-focus-after-swap>'
                     r'Everything is read.</p>', fragment)
    assert "badge" not in header_link(fragment) and 'hx-swap-oob="outerHTML"' in header_link(fragment)
    assert "All your notifications are marked as read." not in html(client.get("/alerts/"))  # no stale flash


def test_another_users_notification_is_not_found_and_stays_unread(client, app, market):
    (theirs,) = add(app, market["other"], market)
    login(client, "lea@quantix.fr")
    assert client.post(f"/alerts/{theirs}/read", headers=HTMX).status_code == 404
    assert client.post(f"/alerts/{theirs}/read").status_code == 404
    assert client.post("/alerts/999999/read").status_code == 404
    assert unread(app, market["other"]) == {theirs}
    client.post("/logout")
    response = client.post(f"/alerts/{theirs}/read")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_marking_read_checks_the_csrf_token_sent_by_htmx(csrf_app):
    with csrf_app.app_context():
        buyer, _ = make_org("administration", verified=True)
        _, lea = make_org("startup", verified=True, email="lea@quantix.fr")
        need = make_need(buyer, title="Assistant souverain")
        market = {"lea": lea.id, "need": need.id, "reference": need.reference}
    first, second = add(csrf_app, market["lea"], market, 2)
    client = csrf_app.test_client()
    client.get("/lang/en")
    client.post("/login", data={"email": "lea@quantix.fr", "password": PASSWORD,
                                "csrf_token": token(html(client.get("/login")))})
    page = html(client.get("/alerts/"))
    assert "Sign out" in page, "signing in failed"
    headers = re.search(r"<body hx-headers='([^']+)'>", page)
    assert headers, "signed-in pages send the CSRF token with htmx requests"
    header_token = json.loads(headers.group(1))["X-CSRFToken"]

    assert client.post(f"/alerts/{first}/read", headers=HTMX).status_code == 400  # no token
    assert client.post(f"/alerts/{first}/read", headers={**HTMX, "X-CSRFToken": "forged"}).status_code == 400
    assert unread(csrf_app, market["lea"]) == {first, second}
    response = client.post(f"/alerts/{first}/read", headers={**HTMX, "X-CSRFToken": header_token})
    assert response.status_code == 200 and unread(csrf_app, market["lea"]) == {second}
    assert client.post("/alerts/read", headers=HTMX).status_code == 400
    assert unread(csrf_app, market["lea"]) == {second}
