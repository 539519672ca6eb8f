"""Redis stopped, seen from the pages: a Redis server of our own (tests.notifications.realparts)
serves the job queues and the rate-limit counts, and is stopped while people use the site.

tests/notifications/test_faults.py already shows a need published while Redis is stopped
alerting each saved search once after the restart; here it is the pages people use during the
outage (home, needs search, a need, the API, signing in, a password reset, a bid) and the bid's
and the reset's messages that wait in the outbox and go out once, after the restart.
"""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from app import create_app
from app.alerts.models import EmailStatus, Notification, OutgoingEmail
from app.bids.models import Bid, BidStatus
from app.events import EventStatus, OutboxEvent
from app.extensions import db
from tests.api.helpers import bearer
from tests.bids.helpers import form
from tests.conftest import _wipe, make_config
from tests.factories import PASSWORD, login, make_need, make_org
from tests.faults.parts import count
from tests.notifications.realparts import FlakySmtp, RedisProcess, run_worker

pytestmark = pytest.mark.skipif(not RedisProcess.available(), reason="needs redis-server to run a Redis of our own")


def deliver_everything(application) -> None:
    """What the scheduler's outbox sweep and the workers do once Redis is back."""
    sweep = application.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert sweep.exit_code == 0, sweep.output
    run_worker(application)
    run_worker(application)  # the emails the first jobs queued


def test_with_redis_stopped_the_pages_answer_and_the_messages_wait_then_go_out_once(test_database, tmp_path, app):
    """What users notice while Redis is down: nothing — pages, signing in, a password reset and a
    bid all work; only the bid's notification to the buyer and the reset email come later. What
    the operator notices: those events wait « pending » in the outbox, and once Redis is back the
    sweep hands them over and each message is delivered once, however often the sweep runs."""
    redis = RedisProcess(tmp_path)
    redis.start()
    with FlakySmtp() as smtp:
        # REDIS_URL also holds the sign-in and API rate-limit counts (RATELIMIT_STORAGE_URI unset).
        application = create_app(make_config(test_database, tmp_path, REDIS_URL=redis.url, SMTP_URL=smtp.url,
                                             JOBS_NAMESPACE=f"tremplin-test-{secrets.token_hex(4)}"))
        _wipe(application)
        try:
            with application.app_context():
                buyer, buyer_user = make_org("administration", verified=True, email="achats@interieur.gouv.fr")
                _supplier, supplier_user = make_org("startup", verified=True, email="claire@orbinova.fr")
                need = make_need(buyer, title="Détection de fraude documentaire")
                reference, buyer_user_id, supplier_user_id = need.reference, buyer_user.id, supplier_user.id
                api_token = bearer(buyer_user, buyer)
                db.session.commit()
            deliver_everything(application)  # what setting up the market sent is out of the way
            sent_before = len(smtp.messages)

            redis.stop()

            visitor = application.test_client()
            visitor.get("/lang/en")
            assert visitor.get("/").status_code == 200
            search = visitor.get("/needs?q=fraude")
            assert search.status_code == 200 and reference in search.get_data(as_text=True)  # found, by full text
            assert visitor.get(f"/needs/{reference}").status_code == 200
            api = visitor.get("/api/v1/needs", headers=api_token)  # rate-limited per token, counted in Redis
            assert api.status_code == 200 and reference in api.get_data(as_text=True)
            assert visitor.get("/login").status_code == 200
            wrong = login(visitor, "claire@orbinova.fr", "not-the-password")
            assert wrong.status_code == 401 and "Incorrect email or password." in wrong.get_data(as_text=True)
            forgot = visitor.post("/password/forgot", data={"email": "achats@interieur.gouv.fr"})
            assert forgot.status_code == 302  # « we have sent it an email »: it waits in the outbox

            supplier = application.test_client()
            supplier.get("/lang/en")
            assert login(supplier, "claire@orbinova.fr", PASSWORD).status_code == 302
            assert supplier.get("/").status_code == 200
            submitted = supplier.post(f"/needs/{reference}/bid", data=form())
            assert submitted.status_code == 302
            assert "Your bid is submitted" in supplier.get(submitted.headers["Location"]).get_data(as_text=True)

            with application.app_context():
                [bid] = db.session.scalars(select(Bid)).all()
                assert bid.status == BidStatus.SUBMITTED and bid.submitted_by_id == supplier_user_id
                waiting = db.session.scalars(select(OutboxEvent).where(OutboxEvent.status == EventStatus.PENDING)
                                             ).all()
                assert {"bid.submitted", "email.queued"} <= {e.kind for e in waiting}
                assert count(Notification, Notification.user_id == buyer_user_id,
                             Notification.kind == "bid_received") == 0
                [reset_email] = db.session.scalars(select(OutgoingEmail).where(
                    OutgoingEmail.dedup_key.startswith(f"password-reset:{buyer_user_id}:"))).all()
                assert reset_email.status == EmailStatus.PENDING
            assert len(smtp.messages) == sent_before

            redis.start()
            deliver_everything(application)

            with application.app_context():
                assert count(Notification, Notification.user_id == buyer_user_id,
                             Notification.kind == "bid_received") == 1
                assert db.session.get(OutgoingEmail, reset_email.id).status == EmailStatus.SENT
                assert count(OutboxEvent, OutboxEvent.status != EventStatus.DISPATCHED) == 0
            resets = [m for m in smtp.messages[sent_before:] if b"/password/reset/" in m]
            assert len(resets) == 1
            sent_after = len(smtp.messages)

            deliver_everything(application)  # again: nothing new goes out
            with application.app_context():
                assert count(Notification, Notification.user_id == buyer_user_id,
                             Notification.kind == "bid_received") == 1
            assert len(smtp.messages) == sent_after
        finally:
            redis.stop()
