"""A draft is deleted by its buyer after confirming; a published need is cancelled instead.

Cancelling a draft used to fail on the database's rule that only drafts lack a
publication date: a draft is now discarded, never cancelled.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.matching import documents
from app.matching.engine import backend
from app.needs.models import Need, NeedStatus
from search.base import Query
from tests.factories import login, make_member, make_need, make_org
from tests.needs.builders import audits, english, events, need_by_ref


@pytest.fixture()
def world(client, app):
    with app.app_context():
        buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
        from app.accounts.models import Role

        make_member(buyer, role=Role.AMBASSADOR, email="ambassador@min.gouv.fr")
        make_org("corporate", verified=True, email="other@groupe.fr")
        draft = make_need(buyer, status="draft", title="Brouillon confidentiel")
        published = make_need(buyer, title="Besoin publié")
        return {"draft": draft.reference, "draft_id": draft.id, "published": published.reference}


def test_the_buyer_deletes_a_draft_after_confirming(client, app, world):
    login(client, "buyer@min.gouv.fr")
    english(client)
    page = client.get(f"/needs/{world['draft']}").get_data(as_text=True)
    assert "Delete the draft" in page and "Cancel the need" not in page
    confirm = client.get(f"/needs/{world['draft']}/discard")
    assert confirm.status_code == 200
    assert "Delete the draft « Brouillon confidentiel »?" in confirm.get_data(as_text=True)
    with app.app_context():
        assert need_by_ref(world["draft"]) is not None  # asking is not deleting
        found = backend().search(documents.NEEDS, Query(text="Brouillon confidentiel"))
        assert str(world["draft_id"]) in [hit.id for hit in found.hits]

    response = client.post(f"/needs/{world['draft']}/discard")
    assert response.status_code == 302 and response.headers["Location"].endswith("/needs/mine")
    assert "deleted" in client.get("/needs/mine").get_data(as_text=True)
    assert client.get(f"/needs/{world['draft']}").status_code == 404
    with app.app_context():
        assert need_by_ref(world["draft"]) is None
        line = audits("need.discarded")[0]
        assert line.details == {"reference": world["draft"], "title": "Brouillon confidentiel"}
        assert events("need.discarded")[0].payload["need_id"] == world["draft_id"]
        # The outbox took the draft out of the search index too.
        found = backend().search(documents.NEEDS, Query(text="Brouillon confidentiel"))
        assert str(world["draft_id"]) not in [hit.id for hit in found.hits]


def test_a_published_need_is_cancelled_not_deleted(client, app, world):
    login(client, "buyer@min.gouv.fr")
    english(client)
    page = client.get(f"/needs/{world['published']}").get_data(as_text=True)
    assert "Cancel the need" in page and "Delete the draft" not in page
    answer = client.post(f"/needs/{world['published']}/discard", follow_redirects=True)
    assert "Only a draft can be deleted" in answer.get_data(as_text=True)
    with app.app_context():
        assert need_by_ref(world["published"]).status == NeedStatus.PUBLISHED


def test_cancelling_a_draft_is_refused_with_a_message(client, app, world):
    login(client, "buyer@min.gouv.fr")
    english(client)
    answer = client.post(f"/needs/{world['draft']}/cancel", data={"cancel-reason": "Plus utile"},
                         follow_redirects=True)
    assert answer.status_code == 200
    assert "can no longer be cancelled" in answer.get_data(as_text=True)
    with app.app_context():
        assert need_by_ref(world["draft"]).status == NeedStatus.DRAFT


@pytest.mark.parametrize(("who", "status"), [("ambassador@min.gouv.fr", 403), ("other@groupe.fr", 404)])
def test_only_the_buyers_agents_delete_a_draft(client, app, world, who, status):
    login(client, who)
    assert client.get(f"/needs/{world['draft']}/discard").status_code == status
    assert client.post(f"/needs/{world['draft']}/discard").status_code == status
    with app.app_context():
        assert db.session.get(Need, world["draft_id"]) is not None

