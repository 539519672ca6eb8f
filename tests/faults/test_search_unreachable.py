"""Meilisearch unreachable: the app is configured with MEILI_URL on a loopback port where nothing
listens, so every call to the engine meets a real « connection refused ».

What is real and what stands in: the app, its Meilisearch backend (the official client, over
HTTP), the outbox and its retries are the product's own. Meilisearch itself cannot run here, so
when the engine « comes back » the double of tests/search/test_meili_double.py starts listening
on that same port: it answers the few endpoints indexing uses (indexes, settings, documents,
tasks) and records what it receives, without any search semantics. What it shows is what this
test is about: the writes the outage held back reach the engine once it answers again, with no
change to the app's configuration. Search results on a real engine are the contract suite's
business (tests/search/test_contract_meili.py, with MEILI_URL).
"""

from __future__ import annotations

import contextlib
import secrets

from sqlalchemy import select

from app import create_app
from app.events import EventStatus, OutboxEvent
from app.extensions import db
from app.needs.models import Need, NeedStatus
from search.base import SearchUnavailable
from tests.conftest import _wipe, make_config
from tests.factories import login, make_need, make_org
from tests.notifications.realparts import free_port
from tests.search.test_meili_double import running_double


def indexing_events(application, need_id: int) -> list[OutboxEvent]:
    with application.app_context():
        events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "need.published")).all()
        return [e for e in events if e.payload.get("need_id") == need_id]


def test_with_the_search_engine_unreachable_pages_say_so_publishing_works_and_the_index_catches_up(
        test_database, tmp_path, app):
    """What users notice while the engine is down: the needs search and the supplier directory
    still answer, with a notice that full-text search is unavailable (the needs list is shown
    without it); a buyer still publishes a need. What the operator notices: the need's indexing
    event waits « pending » with the engine's error and is retried, never lost; when the engine
    answers again the sweep hands it over and the need reaches the index."""
    _wipe(app)  # the suite's database, emptied with the embedded indexes of the suite's app
    port = free_port()  # nothing listens there: connection refused
    prefix = f"faults_{secrets.token_hex(3)}_"
    application = create_app(make_config(test_database, tmp_path, MEILI_URL=f"http://127.0.0.1:{port}",
                                         SEARCH_INDEX_PREFIX=prefix))
    assert application.config["SEARCH_BACKEND"] == "meilisearch"
    with application.app_context():
        buyer, _buyer_user = make_org("administration", verified=True, email="achats@armees.gouv.fr")
        make_org("startup", verified=True)
        with contextlib.suppress(SearchUnavailable):  # make_need indexes directly: the engine is down
            make_need(buyer, title="Cartographie des flux logistiques", route="public")
        with contextlib.suppress(SearchUnavailable):
            draft = make_need(buyer, status="draft", title="Traduction automatique des rapports techniques")
        draft = db.session.scalars(select(Need).where(Need.status == NeedStatus.DRAFT)).one()
        draft.reuse_note = "Aucune solution mutualisée ne traduit les rapports classifiés."
        db.session.commit()
        draft_id, reference = draft.id, draft.reference

    visitor = application.test_client()
    visitor.get("/lang/en")
    search = visitor.get("/needs?q=logistique")
    assert search.status_code == 200
    page = search.get_data(as_text=True)
    assert "Full-text search is unavailable for a moment" in page
    assert "Cartographie des flux logistiques" in page  # the needs, listed without the engine

    buyer_client = application.test_client()
    buyer_client.get("/lang/en")
    assert login(buyer_client, "achats@armees.gouv.fr").status_code == 302
    directory = buyer_client.get("/suppliers?q=cloud")
    assert directory.status_code == 200
    assert "Supplier search is unavailable for a moment" in directory.get_data(as_text=True)

    published = buyer_client.post(f"/needs/{reference}/publish", follow_redirects=True)
    assert published.status_code == 200 and "The need is published." in published.get_data(as_text=True)
    with application.app_context():
        assert db.session.get(Need, draft_id).status == NeedStatus.PUBLISHED
    [waiting] = indexing_events(application, draft_id)
    assert waiting.status == EventStatus.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at is not None  # retried later, with backoff
    assert f"127.0.0.1:{port} cannot be reached" in waiting.last_error

    sweep = application.test_cli_runner().invoke(args=["jobs", "sweep"])  # still down: tried again
    assert sweep.exit_code == 0
    [waiting] = indexing_events(application, draft_id)
    assert waiting.status == EventStatus.PENDING and waiting.attempts == 2

    with running_double(port) as engine:
        sweep = application.test_cli_runner().invoke(args=["jobs", "sweep"])
        assert sweep.exit_code == 0, sweep.output
        [delivered] = indexing_events(application, draft_id)
        assert delivered.status == EventStatus.DISPATCHED and delivered.last_error is None
        written = [doc for request in engine.sent("POST", path=f"/indexes/{prefix}needs/documents")
                   for doc in request.body]
        assert [doc["title"] for doc in written if doc["id"] == str(draft_id)] == [
            "Traduction automatique des rapports techniques"]
        assert all(r.answer[0] < 400 for r in engine.sent("POST", path=f"/indexes/{prefix}needs/documents"))

        again = application.test_cli_runner().invoke(args=["jobs", "sweep"])  # nothing left to catch up
        assert again.output.startswith("0 pending")
