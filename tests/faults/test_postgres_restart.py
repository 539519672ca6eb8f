"""PostgreSQL restarting, on a cluster of our own (never the shared server the suite uses).

While the database cannot be reached every page answers a short 503 « Service unavailable »
page with Retry-After (the API a JSON problem), never a stack trace or a generic 500; a form
sent then is refused as a whole; the first request after the restart is served at once (the
pool tests its connections before use), the user is still signed in and what was saved before
is still there.
"""

from __future__ import annotations

import json
import secrets

import pytest
from sqlalchemy import event

from app import create_app
from app.audit.models import AuditEntry
from app.bids.models import Bid, BidStatus
from app.events import OutboxEvent
from app.extensions import db
from tests.api.helpers import bearer
from tests.bids.helpers import form
from tests.conftest import make_config
from tests.factories import login, make_need, make_org
from tests.faults.parts import Database, PostgresCluster, count

pytestmark = pytest.mark.skipif(PostgresCluster.unavailable_reason() is not None,
                                reason=PostgresCluster.unavailable_reason() or "")


@pytest.fixture(scope="module")
def cluster():
    pg = PostgresCluster()
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.destroy()


@pytest.fixture(scope="module")
def application(cluster, tmp_path_factory):
    """The app on a database of the cluster, built by the migrations as the suite's is."""
    from flask_migrate import upgrade

    url = cluster.create_database(f"tremplin_faults_{secrets.token_hex(3)}")
    app = create_app(make_config(Database(url), tmp_path_factory.mktemp("pg-app")))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def market(application):
    """A buyer's published need, a supplier signed in who bid on it, another signed in who has not."""
    with application.app_context():
        buyer, _ = make_org("administration", verified=True)
        bidder, bidder_user = make_org("startup", verified=True)
        latecomer, latecomer_user = make_org("startup", verified=True)
        need = make_need(buyer, title="Messagerie souveraine des préfectures")
        ids = {"need": need.reference, "need_id": need.id, "bidder": bidder.id, "latecomer": latecomer.id,
               "api": bearer(bidder_user, bidder)}
        emails = bidder_user.email, latecomer_user.email
    clients = []
    for email in emails:
        client = application.test_client()
        client.get("/lang/en")
        assert login(client, email).status_code == 302
        clients.append(client)
    bidder_client, latecomer_client = clients
    assert bidder_client.post(f"/needs/{ids['need']}/bid", data=form()).status_code == 302
    return ids, bidder_client, latecomer_client


def bids_of(application, supplier_id) -> list[Bid]:
    with application.app_context():
        return list(db.session.scalars(db.select(Bid).where(Bid.supplier_id == supplier_id)))


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    page = response.get_data(as_text=True)
    assert "Service unavailable" in page and "temporarily unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page and "psycopg" not in page


def test_while_the_database_is_down_pages_say_so_and_after_its_restart_everything_is_back(
        cluster, application, market):
    """What a user notices: during the outage a « Service unavailable, try again » page (not an
    error report); a bid sent then is not taken, and no trace of it remains; once the server is
    back the next page works, they are still signed in, and the bid sent earlier is there."""
    ids, bidder_client, latecomer_client = market
    visitor = application.test_client()
    visitor.get("/lang/en")

    assert visitor.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    cluster.stop()
    try:
        probe = visitor.get("/healthz")  # the load balancer takes this instance out
        assert probe.status_code == 503 and probe.get_json()["database"] == "unreachable"
        assert_unavailable_page(visitor.get("/"))
        assert_unavailable_page(visitor.get("/needs"))
        assert_unavailable_page(bidder_client.get(f"/needs/{ids['need']}"))
        assert_unavailable_page(latecomer_client.post(f"/needs/{ids['need']}/bid", data=form(price="99 000")))
        api = bidder_client.get("/api/v1/needs", headers={**ids["api"], "Accept-Language": "en"})
        assert api.status_code == 503 and api.headers["Content-Type"] == "application/problem+json"
        assert api.headers["Retry-After"].isdigit()
        assert json.loads(api.data)["title"] == "Service unavailable"
    finally:
        cluster.start()

    page = bidder_client.get(f"/needs/{ids['need']}")  # the very first request after the restart
    assert page.status_code == 200 and "Messagerie souveraine des préfectures" in page.get_data(as_text=True)
    assert "Sign out" in page.get_data(as_text=True)  # still signed in
    [bid] = bids_of(application, ids["bidder"])
    assert bid.status == BidStatus.SUBMITTED
    assert bids_of(application, ids["latecomer"]) == []  # the bid sent during the outage was not taken

    again = latecomer_client.post(f"/needs/{ids['need']}/bid", data=form(price="99 000"))
    assert again.status_code == 302  # sent again once the server is back, it is taken
    [late_bid] = bids_of(application, ids["latecomer"])
    assert late_bid.price_cents == 9_900_000


def test_the_first_request_after_a_restart_between_two_requests_is_served(cluster, application, market):
    """What an operator notices: restarting PostgreSQL (an upgrade, a failover) costs users no
    error page once it is back: connections the pool held from before are tested and replaced."""
    ids, bidder_client, _latecomer_client = market
    assert bidder_client.get(f"/needs/{ids['need']}").status_code == 200  # the pool holds a connection

    cluster.restart()  # the server cuts every session it had

    assert bidder_client.get(f"/needs/{ids['need']}").status_code == 200
    assert bidder_client.get("/bids").status_code == 200


def test_a_bid_cut_off_by_a_restart_midway_is_refused_whole_and_can_be_sent_again(cluster, application, market):
    """What a user notices: the server restarts while their bid is being saved; they get the
    « Service unavailable » page, nothing of that bid is kept (no bid, no audit entry, no
    notification waiting to go out), and sending it again works."""
    ids, _bidder_client, latecomer_client = market
    with application.app_context():
        before = {model: count(model) for model in (Bid, AuditEntry, OutboxEvent)}
        engine = db.engine
    seen: list[str] = []

    def restart_once_the_bid_is_written(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT") and any(
                s.lstrip().upper().startswith("INSERT INTO BIDS") for s in seen):
            event.remove(engine, "before_cursor_execute", restart_once_the_bid_is_written)
            cluster.restart()  # this transaction, with its bid row, dies with the old server

    event.listen(engine, "before_cursor_execute", restart_once_the_bid_is_written)
    try:
        response = latecomer_client.post(f"/needs/{ids['need']}/bid", data=form(price="120 000"))
    finally:
        if event.contains(engine, "before_cursor_execute", restart_once_the_bid_is_written):
            event.remove(engine, "before_cursor_execute", restart_once_the_bid_is_written)
    assert any(s.lstrip().upper().startswith("INSERT INTO BIDS") for s in seen)  # it was cut midway
    assert_unavailable_page(response)

    with application.app_context():
        assert {model: count(model) for model in (Bid, AuditEntry, OutboxEvent)} == before
    assert latecomer_client.post(f"/needs/{ids['need']}/bid", data=form(price="120 000")).status_code == 302
    [bid] = bids_of(application, ids["latecomer"])
    assert bid.price_cents == 12_000_000 and bid.status == BidStatus.SUBMITTED


def test_a_database_error_that_is_no_outage_is_still_reported_as_an_error(application, monkeypatch):
    """What an operator notices: only an unreachable database is called « temporarily
    unavailable »; a faulty statement (here a broken constraint) stays a logged 500 error."""
    from sqlalchemy.exc import IntegrityError

    def broken():
        raise IntegrityError("INSERT INTO needs ...", {}, Exception("duplicate key value violates unique constraint"))

    monkeypatch.setattr("app.main.services.public_home", broken)
    monkeypatch.setitem(application.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    visitor = application.test_client()
    visitor.get("/lang/en")
    response = visitor.get("/")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert "Something went wrong" in response.get_data(as_text=True)
