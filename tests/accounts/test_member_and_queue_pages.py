"""The organisation's members and the operator's verification queue page their lists; removing
a member asks first."""

from __future__ import annotations

from app.accounts.models import Membership
from app.extensions import db
from tests.factories import login, make_member, make_operator, make_org


def test_members_beyond_a_page_are_on_the_next_page_in_name_order(app, client):
    with app.app_context():
        organisation, _owner = make_org("startup", email="owner@quantix.fr")
        for n in range(21):
            make_member(organisation, email=f"m{n:02d}@quantix.fr")
    client.get("/lang/en")
    login(client, "owner@quantix.fr")

    first = client.get("/organisation").get_data(as_text=True)
    second = client.get("/organisation?page=2").get_data(as_text=True)

    # 22 people, by name: "Member …" (21) then "User …" (the owner) last, alone on page 2
    assert "owner@quantix.fr" not in first and "owner@quantix.fr" in second
    assert first.count("@quantix.fr</td>") == 20 and second.count("@quantix.fr</td>") == 2
    assert "Page 1 of 2" in first and "Page 2 of 2" in second


def test_removing_a_member_asks_first_and_removes_only_when_confirmed(app, client):
    with app.app_context():
        organisation, _owner = make_org("startup", email="owner@quantix.fr")
        member = make_member(organisation, email="paul@quantix.fr")
        membership_id = db.session.query(Membership.id).filter_by(user_id=member.id).scalar()
    client.get("/lang/en")
    login(client, "owner@quantix.fr")

    listed = client.get("/organisation").get_data(as_text=True)
    confirmation = client.get(f"/organisation/members/{membership_id}/remove")

    assert f'/organisation/members/{membership_id}/remove"' in listed and "data-confirm" not in listed
    text = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200 and "Remove Member" in text and "Remove this member" in text
    with app.app_context():
        assert db.session.get(Membership, membership_id) is not None

    assert client.post(f"/organisation/members/{membership_id}/remove").status_code == 302
    with app.app_context():
        assert db.session.get(Membership, membership_id) is None


def test_a_plain_member_gets_no_removal_page(app, client):
    with app.app_context():
        organisation, owner = make_org("startup", email="owner@quantix.fr")
        make_member(organisation, email="paul@quantix.fr")
        membership_id = db.session.query(Membership.id).filter_by(user_id=owner.id).scalar()
    login(client, "paul@quantix.fr")

    assert client.get(f"/organisation/members/{membership_id}/remove").status_code == 403


def test_the_verification_queue_pages_the_longest_waiting_first(app, client):
    with app.app_context():
        for n in range(51):
            make_org("startup", name=f"Waiting {n:02d}")
        make_operator("ops@tremplin.example")
        db.session.commit()
    client.get("/lang/en")
    login(client, "ops@tremplin.example")

    first = client.get("/operator/organisations").get_data(as_text=True)
    second = client.get("/operator/organisations?page=2").get_data(as_text=True)

    assert "Waiting 00" in first and "Waiting 49" in first and "Waiting 50" not in first
    assert "Waiting 50" in second and "Waiting 00" not in second
    assert "51 organisations waiting" in first and "Page 2 of 2" in second


def test_an_empty_verification_queue_points_to_the_purchases_to_verify(app, client):
    with app.app_context():
        make_operator("ops@tremplin.example")
        db.session.commit()
    client.get("/lang/en")
    login(client, "ops@tremplin.example")

    page = client.get("/operator/organisations").get_data(as_text=True)

    assert 'data-marker="no-organisations-waiting"' in page and 'href="/commitment/operator/purchases"' in page
