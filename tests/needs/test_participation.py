"""Suppliers around a need: questions that stay anonymous, invitations, marks of interest."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.needs.models import Answer, Invitation, NeedFollow, Question
from tests.factories import login, make_need, make_org
from tests.needs.builders import audits, english, events, need_by_ref, past


@pytest.fixture()
def market(client, app):
    """A ministry with a public need, two verified startups and a restricted need."""
    with app.app_context():
        ministry, _ = make_org("administration", name="Ministère des Essais", email="buyer@min.gouv.fr",
                               verified=True)
        asker, _ = make_org("startup", name="Questionneuse SAS", email="asker@startup.fr", verified=True)
        other, _ = make_org("startup", name="Concurrente SAS", email="other@startup.fr", verified=True)
        need = make_need(ministry, title="Assistant IA")
        return {"ref": need.reference, "need_id": need.id, "asker": asker.id, "other": other.id,
                "ministry": ministry.id}


def as_user(client, email):
    client.post("/logout")
    login(client, email)
    english(client)


# --- questions and answers -------------------------------------------------------------------------


def test_a_question_and_its_answer_reach_every_supplier_but_the_asker_stays_anonymous(client, app, market):
    ref = market["ref"]
    as_user(client, "asker@startup.fr")
    response = client.post(f"/needs/{ref}/questions", data={"question-body": "Quel volume attendu ?"})
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalar(select(Question))
        assert question.asked_by_org_id == market["asker"]
        assert events("need.question_asked")[0].payload == {"need_id": market["need_id"], "question_id": question.id}
        assert audits("need.question_asked")[0].organisation_id == market["asker"]
    own = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Quel volume attendu ?" in own and "Your organisation's question" in own

    as_user(client, "other@startup.fr")
    assert "Quel volume" not in client.get(f"/needs/{ref}").get_data(as_text=True)  # not answered yet

    as_user(client, "buyer@min.gouv.fr")
    buyer_page = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Quel volume attendu ?" in buyer_page and "Questionneuse" not in buyer_page
    assert client.post(f"/needs/{ref}/questions/{question.id}/answer", data={"body": ""}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Answer)) is None
    response = client.post(f"/needs/{ref}/questions/{question.id}/answer", data={"body": "Environ 5 000 agents."})
    assert response.status_code == 302
    with app.app_context():
        assert events("need.answered")[0].payload["question_id"] == question.id
        assert audits("need.answered")[0].subject_id == question.id

    for email in ("other@startup.fr", None):
        client.post("/logout")
        if email:
            as_user(client, email)
        page = client.get(f"/needs/{ref}").get_data(as_text=True)
        assert "Quel volume attendu ?" in page and "Environ 5 000 agents." in page
        assert "Questionneuse" not in page and "asker@startup.fr" not in page


def test_an_empty_question_is_refused(client, app, market):
    as_user(client, "asker@startup.fr")
    response = client.post(f"/needs/{market['ref']}/questions", data={"question-body": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write your text before sending." in html and 'id="question-body-error"' in html
    with app.app_context():
        assert db.session.scalar(select(Question)) is None


def test_questions_close_with_the_deadline(client, app, market):
    with app.app_context():
        past(market["need_id"])
    as_user(client, "asker@startup.fr")
    client.post(f"/needs/{market['ref']}/questions", data={"question-body": "Trop tard ?"})
    with app.app_context():
        assert db.session.scalar(select(Question)) is None and events("need.question_asked") == []


def test_buyers_do_not_ask_and_suppliers_do_not_answer(client, app, market):
    ref = market["ref"]
    as_user(client, "buyer@min.gouv.fr")
    assert client.post(f"/needs/{ref}/questions", data={"question-body": "?"}).status_code == 403
    with app.app_context():
        question = Question(need_id=market["need_id"], asked_by_org_id=market["asker"], body="Une question")
        db.session.add(question)
        db.session.commit()
        question_id = question.id
    as_user(client, "other@startup.fr")
    response = client.post(f"/needs/{ref}/questions/{question_id}/answer", data={"body": "Ma réponse"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Answer)) is None


def test_a_question_cannot_be_answered_twice(client, app, market):
    with app.app_context():
        question = Question(need_id=market["need_id"], asked_by_org_id=market["asker"], body="Une question")
        question.answer = Answer(body="Première réponse")
        db.session.add(question)
        db.session.commit()
        question_id = question.id
    as_user(client, "buyer@min.gouv.fr")
    client.post(f"/needs/{market['ref']}/questions/{question_id}/answer", data={"body": "Seconde"})
    with app.app_context():
        assert db.session.get(Question, question_id).answer.body == "Première réponse"


# --- invitations ------------------------------------------------------------------------------------


def test_an_invited_supplier_sees_an_invitation_only_need(client, app, market):
    with app.app_context():
        from app.accounts.models import Organisation

        ministry = db.session.get(Organisation, market["ministry"])
        ref = make_need(ministry, visibility="invitation", title="Besoin confidentiel").reference
        make_org("sme", name="Petite Entreprise", email="pme@example.fr", verified=False)
        make_org("corporate", name="Grand Groupe", email="groupe@example.fr")
    as_user(client, "pme@example.fr")
    assert client.get(f"/needs/{ref}").status_code == 404  # not invited: it does not exist for them

    as_user(client, "buyer@min.gouv.fr")
    page = client.get(f"/needs/{ref}/invite?q=petite").get_data(as_text=True)
    assert "Petite Entreprise" in page and "Grand Groupe" not in client.get(
        f"/needs/{ref}/invite?q=grand").get_data(as_text=True)
    with app.app_context():
        pme = db.session.scalar(select(Organisation).where(Organisation.name == "Petite Entreprise"))
        groupe = db.session.scalar(select(Organisation).where(Organisation.name == "Grand Groupe"))
        pme_id, groupe_id, siren = pme.id, groupe.id, pme.siren
    assert "Petite Entreprise" in client.get(f"/needs/{ref}/invite?q={siren}").get_data(as_text=True)

    response = client.post(f"/needs/{ref}/invite", data={"supplier_id": str(pme_id), "message": "Bienvenue"})
    assert response.status_code == 302
    assert client.post(f"/needs/{ref}/invite", data={"supplier_id": str(pme_id)}).status_code == 400  # twice
    assert client.post(f"/needs/{ref}/invite", data={"supplier_id": str(groupe_id)}).status_code == 400
    assert client.post(f"/needs/{ref}/invite", data={"supplier_id": "999999"}).status_code == 400
    with app.app_context():
        [invitation] = db.session.scalars(select(Invitation)).all()
        assert invitation.supplier_id == pme_id and invitation.message == "Bienvenue"
        assert events("need.invitation")[0].payload["supplier_id"] == pme_id
        assert audits("need.invitation")[0].details["supplier_id"] == pme_id
    assert "Petite Entreprise" in client.get(f"/needs/{ref}").get_data(as_text=True)  # the buyer's list

    as_user(client, "pme@example.fr")
    page = client.get(f"/needs/{ref}").get_data(as_text=True)
    assert "Besoin confidentiel" in page and "Invited suppliers" not in page


def test_invitations_to_a_draft_are_announced_at_publication(app_ctx):
    from app.events import commit
    from app.needs.participation import invite_supplier
    from app.needs.services import publish_need

    ministry, user = make_org("administration")
    startup, _ = make_org("startup")
    need = make_need(ministry, status="draft", visibility="invitation")
    need.reuse_note = "Rien"
    invite_supplier(need, startup, by=user)
    commit()
    assert events("need.invitation") == [] and len(audits("need.invitation")) == 1
    publish_need(need, by=user)
    commit()
    assert [e.payload["supplier_id"] for e in events("need.invitation")] == [startup.id]


def test_suppliers_cannot_invite(client, app, market):
    as_user(client, "asker@startup.fr")
    assert client.get(f"/needs/{market['ref']}/invite").status_code == 403
    assert client.post(f"/needs/{market['ref']}/invite", data={"supplier_id": str(market["other"])}
                       ).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


# --- marks of interest ---------------------------------------------------------------------------------


def test_a_supplier_marks_interest_and_withdraws_it(client, app, market):
    ref = market["ref"]
    as_user(client, "asker@startup.fr")
    assert "I am interested" in client.get(f"/needs/{ref}").get_data(as_text=True)
    assert client.post(f"/needs/{ref}/follow").status_code == 302
    client.post(f"/needs/{ref}/follow")  # twice: still one mark
    with app.app_context():
        assert len(db.session.scalars(select(NeedFollow)).all()) == 1
        assert len(events("need.followed")) == 1
    assert "stop following" in client.get(f"/needs/{ref}").get_data(as_text=True)
    assert client.post(f"/needs/{ref}/unfollow").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(NeedFollow)) is None
        assert len(events("need.unfollowed")) == 1


def test_buyers_do_not_follow_needs(client, app, market):
    as_user(client, "buyer@min.gouv.fr")
    assert client.post(f"/needs/{market['ref']}/follow").status_code == 403
    with app.app_context():
        assert need_by_ref(market["ref"]) is not None and db.session.scalar(select(NeedFollow)) is None
