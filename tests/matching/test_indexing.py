"""Indexing follows the outbox: after commit, and catching up after an engine outage."""

from __future__ import annotations

from sqlalchemy import select

from app.events import EventStatus, OutboxEvent, commit, deliver, record_event
from app.extensions import db
from app.matching import engine
from app.matching.search import NeedSearch, search_needs
from app.needs.policy import Viewer
from search.base import SearchUnavailable
from tests.factories import make_need, make_org


class DownEngine:
    """Stands in for an engine that cannot be reached (a real outage cannot be staged in-process)."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise SearchUnavailable("engine down")

        return fail


def test_a_published_need_is_found_after_commit(app_ctx):
    buyer, _ = make_org("corporate", verified=True)
    need = make_need(buyer, title="Assistant juridique par IA générative", route="private")
    record_event("need.published", need_id=need.id)
    commit()
    hits = search_needs(Viewer.anonymous(), NeedSearch(q="juridique")).hits
    assert [h.need.id for h in hits] == [need.id]


def test_writes_succeed_while_the_engine_is_down_and_the_index_catches_up(app_ctx, monkeypatch):
    buyer, _ = make_org("corporate", verified=True)
    need = make_need(buyer, title="Supervision quantique des réseaux", route="private")
    real = engine.backend()
    app_ctx.extensions["tremplin.search"] = DownEngine()
    record_event("need.published", need_id=need.id)
    commit()  # the change is saved; the event waits
    evt = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "need.published")).one()
    assert evt.status == EventStatus.PENDING and "engine down" in evt.last_error
    app_ctx.extensions["tremplin.search"] = real
    assert deliver(evt.id) is True
    hits = search_needs(Viewer.anonymous(), NeedSearch(q="supervision")).hits
    assert [h.need.id for h in hits] == [need.id]


def test_the_search_page_answers_when_the_engine_is_down(client, app):
    with app.app_context():
        buyer, _ = make_org("corporate", verified=True)
        make_need(buyer, title="Portail usagers accessible", route="private")
    real = app.extensions.get("tremplin.search")
    app.extensions["tremplin.search"] = DownEngine()
    try:
        response = client.get("/needs?q=portail")
    finally:
        app.extensions["tremplin.search"] = real
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Portail usagers accessible" in page
    assert 'role="alert"' in page
