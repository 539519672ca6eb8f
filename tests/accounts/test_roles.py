"""Role checks: owners manage their organisation, the operator verifies organisations."""

from sqlalchemy import select

from app.accounts.models import Membership, Organisation, Role
from app.extensions import db
from tests.factories import login, make_member, make_operator, make_org


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/operator/organisations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_suppliers_and_buyers_cannot_open_the_verification_queue(client, app):
    with app.app_context():
        make_org("startup", email="s@example.fr")
        make_org("administration", email="b@example.fr")
    for email in ("s@example.fr", "b@example.fr"):
        login(client, email)
        response = client.get("/operator/organisations")
        assert response.status_code == 403
        assert "Accès refusé" in response.get_data(as_text=True)
        client.post("/logout")


def test_the_operator_verifies_an_organisation(client, app):
    with app.app_context():
        org, _ = make_org("startup", name="Cryptonuage")
        operator = make_operator(email="ops@tremplin.example")
        db.session.commit()
        org_id = org.id
        assert operator.is_operator
    login(client, "ops@tremplin.example")
    queue = client.get("/operator/organisations").get_data(as_text=True)
    assert "Cryptonuage" in queue
    assert f"/operator/organisations/{org_id}/verify" in queue
    assert client.post(f"/operator/organisations/{org_id}/verify").status_code == 302
    queue = client.get("/operator/organisations").get_data(as_text=True)
    assert f"/operator/organisations/{org_id}/verify" not in queue
    with app.app_context():
        assert db.session.get(Organisation, org_id).verified_at is not None


def test_a_supplier_cannot_verify_itself(client, app):
    with app.app_context():
        org, _ = make_org("startup", email="s@example.fr")
        org_id = org.id
    login(client, "s@example.fr")
    assert client.post(f"/operator/organisations/{org_id}/verify").status_code == 403
    with app.app_context():
        assert db.session.get(Organisation, org_id).verified_at is None


def test_an_owner_adds_a_member_and_names_an_ambassador(client, app):
    with app.app_context():
        org, _ = make_org("administration", email="owner@ministere.gouv.fr")
        other_org, _ = make_org("startup", email="claire@example.fr")
        org_id = org.id
    login(client, "owner@ministere.gouv.fr")
    client.post("/organisation/members", data={"email": "Claire@example.fr", "role": "ambassador"})
    with app.app_context():
        membership = db.session.scalar(
            select(Membership).where(Membership.organisation_id == org_id, Membership.role == Role.AMBASSADOR)
        )
        assert membership is not None and membership.user.email == "claire@example.fr"


def test_a_member_cannot_manage_members(client, app):
    with app.app_context():
        org, _ = make_org("corporate", email="owner@groupe.fr")
        make_member(org, email="member@groupe.fr")
        make_org("startup", email="claire@example.fr")
        org_id = org.id
    login(client, "member@groupe.fr")
    assert client.post("/organisation/members", data={"email": "claire@example.fr", "role": "owner"}).status_code == 403
    with app.app_context():
        assert len(db.session.get(Organisation, org_id).memberships) == 2


def test_the_last_owner_cannot_step_down(client, app):
    with app.app_context():
        org, owner = make_org("corporate", email="owner@groupe.fr")
        membership_id = owner.memberships[0].id
    login(client, "owner@groupe.fr")
    response = client.post(f"/organisation/members/{membership_id}/role", data={"role": "member"}, follow_redirects=True)
    assert "au moins un propriétaire" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, membership_id).role == Role.OWNER


def test_suppliers_have_no_ambassadors(client, app):
    with app.app_context():
        make_org("startup", email="owner@startup.fr")
        make_org("startup", email="claire@example.fr")
    login(client, "owner@startup.fr")
    response = client.post(
        "/organisation/members", data={"email": "claire@example.fr", "role": "ambassador"}, follow_redirects=True
    )
    assert "Seules les organisations acheteuses ont des ambassadeurs" in response.get_data(as_text=True)


def test_owners_of_another_organisation_cannot_touch_members(client, app):
    with app.app_context():
        org, _ = make_org("corporate", email="owner@groupe.fr")
        member = make_member(org, email="member@groupe.fr")
        make_org("corporate", email="intruder@autre.fr")
        membership_id = member.memberships[0].id
    login(client, "intruder@autre.fr")
    assert client.post(f"/organisation/members/{membership_id}/remove").status_code == 403
    with app.app_context():
        assert db.session.get(Membership, membership_id) is not None
