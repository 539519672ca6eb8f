"""The preferences page: what a user chooses there is what notifications then do."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select

from app.alerts.models import EmailMode, MutedNeed, Notification, NotificationPreference
from app.alerts.services import mute_need
from app.events import commit
from app.extensions import db
from notifications.delivery import notify_users
from tests.factories import PASSWORD, make_need, make_org
from tests.notifications.mailbox import csrf_token


class NeedRef(NamedTuple):
    id: int
    title: str
    reference: str


def ref(need) -> NeedRef:
    return NeedRef(need.id, need.title, need.reference)


def sign_in(client, email: str) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302


def supplier_market(app):
    with app.app_context():
        buyer, _owner = make_org("administration", name="Ministère des Essais", verified=True)
        _org, user = make_org("startup", verified=True, email="lea@quantix.fr")
        user.locale = "en"
        needs = [ref(make_need(buyer, title=f"Besoin {n}")) for n in range(3)]
        db.session.commit()
        return user.id, needs


def tell(user_id, kind, need):
    notify_users([user_id], kind, need_id=need.id,
                 params={"need_title": need.title, "need_reference": need.reference})
    commit()


def form_of(page_html: str, **choices) -> dict:
    """The form as the page shows it (defaults), with some choices changed."""
    import re

    data = {"csrf_token": csrf_token(page_html)}
    for name in re.findall(r'<select[^>]*name="(email_[a-z_]+)"', page_html):
        block = page_html[page_html.index(f'name="{name}"'):]
        data[name] = re.search(r'<option selected value="([a-z]+)"|<option value="([a-z]+)" selected', block).group(1)
    for name in re.findall(r'<input[^>]*name="(in_app_[a-z_]+)"[^>]*>', page_html):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page_html).group(0)
        if "checked" in tag:
            data[name] = "y"
    for name, value in choices.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_the_page_asks_to_sign_in(mailing_app):
    response = mailing_app.test_client().get("/alerts/preferences")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_supplier_sets_the_kinds_that_concern_suppliers(mailing_app, smtp):
    supplier_market(mailing_app)
    client = mailing_app.test_client()
    sign_in(client, "lea@quantix.fr")
    page = client.get("/alerts/preferences?lang=en").get_data(as_text=True)
    assert "Invitations to bid" in page and "Amendments to needs we follow" in page
    assert "Bids received on our needs" not in page  # a buyer's kind
    defaults = form_of(page)
    assert defaults["email_need_invitation"] == "instant" and defaults["email_need_matched_search"] == "daily"
    assert defaults["in_app_need_invitation"] == "y"


def test_saved_choices_change_what_notifications_do(mailing_app, smtp):
    user_id, needs = supplier_market(mailing_app)
    client = mailing_app.test_client()
    sign_in(client, "lea@quantix.fr")
    page = client.get("/alerts/preferences?lang=en").get_data(as_text=True)
    saved = client.post("/alerts/preferences", data=form_of(
        page, email_need_invitation="off", email_need_answered="weekly",
        email_need_amended="off", in_app_need_amended=False), follow_redirects=True)
    assert saved.status_code == 200
    body = saved.get_data(as_text=True)
    assert "Your notification preferences are saved." in body
    assert form_of(body)["email_need_answered"] == "weekly"  # the page shows what was saved

    with mailing_app.app_context():
        tell(user_id, "need_invitation", needs[0])  # in the centre, not emailed
        tell(user_id, "need_answered", needs[1])  # kept for the weekly digest
        tell(user_id, "need_amended", needs[2])  # neither: nothing at all
        notes = {n.kind: n for n in db.session.scalars(select(Notification))}
        assert set(notes) == {"need_invitation", "need_answered"}
        assert notes["need_invitation"].email_mode == EmailMode.OFF
        assert notes["need_answered"].email_mode == EmailMode.WEEKLY
        tell(user_id, "need_closed", needs[0])  # a kind left as it was: emailed at once
    assert [m["Subject"] for m in smtp.messages] == ["Besoin 0 is closed for bids"]


def test_an_unknown_choice_is_refused_and_nothing_is_saved(mailing_app, smtp):
    supplier_market(mailing_app)
    client = mailing_app.test_client()
    sign_in(client, "lea@quantix.fr")
    page = client.get("/alerts/preferences?lang=en").get_data(as_text=True)
    response = client.post("/alerts/preferences", data=form_of(
        page, email_need_invitation="off", email_need_answered="hourly"))
    assert response.status_code == 400
    assert "Please correct the following" in response.get_data(as_text=True)
    with mailing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_a_buyer_sets_the_kinds_that_concern_buyers(mailing_app, smtp):
    with mailing_app.app_context():
        make_org("corporate", verified=True, email="achats@groupe.fr")
    client = mailing_app.test_client()
    sign_in(client, "achats@groupe.fr")
    page = client.get("/alerts/preferences?lang=en").get_data(as_text=True)
    assert "Bids received on our needs" in page and "Invitations to bid" not in page
    client.post("/alerts/preferences", data=form_of(page, email_bid_received="daily"))
    with mailing_app.app_context():
        [pref] = db.session.scalars(select(NotificationPreference).where(
            NotificationPreference.kind == "bid_received")).all()
        assert pref.email == EmailMode.DAILY


def test_muted_needs_are_listed_and_can_be_unmuted(mailing_app, smtp):
    user_id, needs = supplier_market(mailing_app)
    with mailing_app.app_context():
        mute_need(user_id, needs[0].id)
        commit()
        tell(user_id, "need_amended", needs[0])
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    client = mailing_app.test_client()
    sign_in(client, "lea@quantix.fr")
    page = client.get("/alerts/preferences?lang=en").get_data(as_text=True)
    assert "Besoin 0" in page and "Besoin 1" not in page
    section = page[page.index('id="muted"'):]
    unmuted = client.post(f"/alerts/muted/{needs[0].id}/unmute", data={"csrf_token": csrf_token(section)},
                          follow_redirects=True)
    assert "You will hear about this need again." in unmuted.get_data(as_text=True)
    with mailing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MutedNeed)) == 0
        tell(user_id, "need_amended", needs[0])
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert len(smtp.messages) == 1
