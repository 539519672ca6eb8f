"""Notifications along a tender's life, driven through the real services and the outbox.

Each test acts as the product does (submit a bid, answer a question, amend, close,
decide, invite...), commits with ``app.events.commit`` so the outbox hands the events to
their handlers, and checks who was told what — and who was not.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from app.accounts.models import Role
from app.alerts import kinds
from app.alerts.models import EmailMode, Notification, OutgoingEmail
from app.alerts.services import mute_need, set_preference
from app.bids.awards import award_bids
from app.bids.evaluation import reject_bid, shortlist_bid
from app.bids.services import submit_bid, withdraw_bid
from app.commitments.models import Purchase, PurchaseSource, PurchaseStatus
from app.db import utcnow
from app.events import OutboxEvent, commit, record_event
from app.extensions import db
from app.needs.models import Need, NeedFollow
from app.needs.participation import answer_question, ask_question, follow_need, invite_supplier
from app.needs.services import (
    cancel_need,
    close_expired_needs,
    need_values,
    publish_need,
    update_need,
)
from notifications.handlers import HANDLERS
from tests.bids.helpers import complete, viewer
from tests.factories import make_bid, make_member, make_need, make_operator, make_org
from tests.needs.builders import past


def notified(kind: str) -> dict[int, Notification]:
    """user id -> the notification of this kind they received."""
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id))
    found: dict[int, Notification] = {}
    for row in rows:
        assert row.user_id not in found, f"{row.user_id} told twice of {kind}"
        found[row.user_id] = row
    return found


def read(note: Notification) -> tuple[str, str | None]:
    """What the reader sees in English, and where the notification leads."""
    with current_app.test_request_context("/"), force_locale("en"):
        return kinds.sentence(note), kinds.link(note)


def last_event(kind: str) -> OutboxEvent:
    return db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)
                              .order_by(OutboxEvent.id.desc())).first()


def follow(need, user, organisation):
    follow_need(need, user=user, organisation=organisation)
    commit()


@pytest.fixture()
def market(app_ctx):
    """A ministry with a restricted need, and four verified startups around it."""
    buyer, owner = make_org("administration", name="Ministère des Essais", verified=True)
    member = make_member(buyer)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    need = make_need(buyer, visibility="restricted", title="Assistant souverain")
    suppliers = {}
    for key in ("bidder", "follower", "muted", "bystander"):
        org, user = make_org("startup", name=f"Startup {key}", verified=True)
        suppliers[key] = (org, user)
    colleague = make_member(suppliers["bidder"][0])
    commit()
    return {"buyer": buyer, "owner": owner, "member": member, "ambassador": ambassador, "need": need,
            "colleague": colleague, **suppliers}


def test_a_submitted_bid_tells_the_buyers_owners_and_members_only(market):
    org, user = market["bidder"]
    bid = submit_bid(market["need"], complete(), viewer=viewer(user))
    commit()
    told = notified("bid_received")
    assert set(told) == {market["owner"].id, market["member"].id}  # not the ambassador, not the bidder
    note = told[market["owner"].id]
    assert note.params == {"need_title": "Assistant souverain", "need_reference": market["need"].reference,
                           "bid_id": bid.id}
    assert read(note) == ("A bid was received on Assistant souverain", f"/needs/{market['need'].reference}/bids")


def test_running_a_handler_twice_creates_nothing_new(market):
    org, user = market["bidder"]
    submit_bid(market["need"], complete(), viewer=viewer(user))
    commit()
    before = db.session.scalar(select(func.count()).select_from(Notification))
    event = last_event("bid.submitted")
    assert HANDLERS["bid.submitted"](event) == []
    commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == before == 2


def test_a_bid_withdrawn_and_sent_again_is_announced_again(market):
    org, user = market["bidder"]
    bid = submit_bid(market["need"], complete(), viewer=viewer(user))
    commit()
    withdraw_bid(bid, viewer=viewer(user))
    commit()
    submit_bid(market["need"], complete(), viewer=viewer(user))
    commit()
    rows = db.session.scalars(select(Notification).where(Notification.kind == "bid_received",
                                                         Notification.user_id == market["owner"].id)).all()
    assert len(rows) == 2


def test_instant_notifications_queue_an_email_and_no_email_preference_queues_none(market):
    set_preference(market["member"].id, "bid_received", email=EmailMode.OFF)
    commit()
    org, user = market["bidder"]
    submit_bid(market["need"], complete(), viewer=viewer(user))
    commit()
    told = notified("bid_received")
    assert told[market["owner"].id].email_mode == EmailMode.INSTANT
    assert told[market["member"].id].email_mode == EmailMode.OFF  # still in the centre
    emails = db.session.scalars(select(OutgoingEmail)).all()
    assert [e.to_address for e in emails] == [market["owner"].email]
    assert "Assistant souverain" in emails[0].subject


def test_an_answer_reaches_followers_and_the_asker_but_not_those_who_muted_or_left(market):
    need = market["need"]
    follower_org, follower = market["follower"]
    muted_org, muted = market["muted"]
    bystander_org, bystander = market["bystander"]
    bidder_org, asker = market["bidder"]
    for org, user in (market["follower"], market["muted"], market["bystander"]):
        follow(need, user, org)
    mute_need(muted.id, need.id)
    db.session.scalar(select(NeedFollow).where(NeedFollow.user_id == bystander.id)).muted_at = utcnow()
    commit()
    question = ask_question(need, by=asker, organisation=bidder_org, body="Hébergement en France ?")
    commit()
    answer = answer_question(question, by=market["owner"], body="Oui, SecNumCloud.")
    commit()
    told = notified("need_answered")
    assert set(told) == {follower.id, asker.id}
    assert told[follower.id].dedup_key.endswith(f"answer{answer.id}")
    assert read(told[follower.id]) == (f"The buyer answered a question on {need.title}", f"/needs/{need.reference}")


def test_an_asker_who_muted_the_need_hears_nothing_of_the_answer(market):
    need = market["need"]
    org, asker = market["bidder"]
    follow(need, asker, org)
    db.session.scalar(select(NeedFollow).where(NeedFollow.user_id == asker.id)).muted_at = utcnow()
    question = ask_question(need, by=asker, organisation=org, body="Quel calendrier ?")
    commit()
    answer_question(question, by=market["owner"], body="Six mois.")
    commit()
    assert notified("need_answered") == {}


def test_a_supplier_no_longer_verified_hears_nothing_of_a_restricted_need(market):
    need = market["need"]
    follower_org, follower = market["follower"]
    other_org, other = market["bystander"]
    follow(need, follower, follower_org)
    follow(need, other, other_org)
    other_org.verified_at = None  # verification withdrawn: the restricted need is out of sight
    commit()
    update_need(need, by=market["owner"], values={**need_values(need), "summary": "Périmètre précisé."},
                amendment_summary="Le périmètre est précisé.")
    commit()
    assert set(notified("need_amended")) == {follower.id}


def test_an_amendment_reaches_followers_and_bidders_people_not_its_author_nor_others(market):
    need = market["need"]
    bidder_org, bidder = market["bidder"]
    follower_org, follower = market["follower"]
    submit_bid(need, complete(), viewer=viewer(bidder))
    follow(need, follower, follower_org)
    # Another buyer member follows nothing; the author is the owner.
    amendment = update_need(need, by=market["owner"],
                            values={**need_values(need), "summary": "Périmètre élargi."},
                            amendment_summary="Le périmètre s'élargit aux agents territoriaux.")
    commit()
    told = notified("need_amended")
    assert set(told) == {bidder.id, market["colleague"].id, follower.id}
    assert told[follower.id].dedup_key.endswith(f"amendment{amendment.id}")
    second = update_need(need, by=market["member"],
                         values={**need_values(need), "summary": "Périmètre revu."},
                         amendment_summary="Le périmètre est revu.")
    commit()
    rows = db.session.scalars(select(Notification).where(Notification.kind == "need_amended",
                                                         Notification.user_id == follower.id)).all()
    assert [r.dedup_key.rsplit(":", 1)[1] for r in rows] == [f"amendment{amendment.id}", f"amendment{second.id}"]


def test_closing_tells_followers_and_bidders_once(market):
    need = market["need"]
    bidder_org, bidder = market["bidder"]
    follower_org, follower = market["follower"]
    submit_bid(need, complete(), viewer=viewer(bidder))
    follow(need, follower, follower_org)
    past(need.id)
    close_expired_needs()
    commit()
    told = notified("need_closed")
    assert set(told) == {bidder.id, market["colleague"].id, follower.id}
    assert HANDLERS["need.closed"](last_event("need.closed")) == []


def test_cancelling_tells_followers_and_bidders_but_not_the_buyer_who_cancelled(market):
    need = market["need"]
    bidder_org, bidder = market["bidder"]
    follower_org, follower = market["follower"]
    submit_bid(need, complete(), viewer=viewer(bidder))
    follow(need, follower, follower_org)
    cancel_need(need, by=market["owner"], reason="Besoin couvert par une solution existante")
    commit()
    told = notified("need_cancelled")
    assert set(told) == {bidder.id, market["colleague"].id, follower.id}
    with force_locale("en"):
        assert "was cancelled" in kinds.sentence(told[follower.id])
    assert HANDLERS["need.cancelled"](last_event("need.cancelled")) == []


@pytest.fixture()
def decided(app_ctx):
    """A closed need with two bids, ready for the buyer's decisions."""
    buyer, owner = make_org("corporate", verified=True)
    need = make_need(buyer, status="closed", title="Plateforme de données")
    first_org, first = make_org("startup", verified=True)
    second_org, second = make_org("startup", verified=True)
    return {"owner": owner, "need": need, "first": (first_org, first), "second": (second_org, second),
            "bids": [make_bid(need, first_org), make_bid(need, second_org)]}


def test_shortlisting_rejecting_and_awarding_tell_the_bidding_supplier_only(decided):
    first_bid, second_bid = decided["bids"]
    first, second = decided["first"][1], decided["second"][1]
    buyer = viewer(decided["owner"])
    shortlist_bid(first_bid, viewer=buyer)
    commit()
    assert set(notified("bid_shortlisted")) == {first.id}
    reject_bid(second_bid, "Le prix dépasse le budget.", viewer=buyer)
    commit()
    rejected = notified("bid_rejected")
    assert set(rejected) == {second.id}
    assert rejected[second.id].params["feedback"] == "Le prix dépasse le budget."
    text, target = read(rejected[second.id])
    assert "Feedback: Le prix dépasse le budget." in text and target == f"/bids/{second_bid.id}"
    award_bids(decided["need"], {first_bid.id: "180 000"}, viewer=buyer)
    commit()
    awarded = notified("bid_awarded")
    assert set(awarded) == {first.id}
    assert awarded[first.id].params["bid_id"] == first_bid.id
    assert decided["owner"].id not in {n.user_id for n in db.session.scalars(select(Notification))}


def test_an_invitation_names_the_buyer_to_the_invited_supplier_only(market):
    buyer = market["buyer"]
    need = make_need(buyer, visibility="invitation", title="Outil de signature")
    invited_org, invited = make_org("startup", name="Invitée")
    colleague = make_member(invited_org)
    invite_supplier(need, invited_org, by=market["owner"])
    commit()
    told = notified("need_invitation")
    assert set(told) == {invited.id, colleague.id}
    assert told[invited.id].params["buyer"] == "Ministère des Essais"
    assert read(told[invited.id])[0] == "Ministère des Essais invites you to bid on Outil de signature"


def test_an_invitation_to_an_anonymised_need_does_not_reveal_the_buyer(app_ctx):
    buyer, owner = make_org("corporate", name="Banque Discrète", verified=True)
    need = make_need(buyer, visibility="restricted", anonymised=True, title="Détection de fraude")
    invited_org, invited = make_org("startup")
    invite_supplier(need, invited_org, by=owner)
    commit()
    note = notified("need_invitation")[invited.id]
    assert note.params["buyer"] == "une banque du CAC 40"
    assert "Banque Discrète" not in str(note.params) and "Banque Discrète" not in read(note)[0]


def test_invitations_to_a_draft_are_announced_when_it_is_published(market):
    need = make_need(market["buyer"], status="draft", title="Portail usagers")
    invited_org, invited = make_org("startup")
    invite_supplier(need, invited_org, by=market["owner"])
    commit()
    assert notified("need_invitation") == {}
    need.reuse_note = "Rien de mutualisé."
    publish_need(need, by=market["owner"])
    commit()
    assert set(notified("need_invitation")) == {invited.id}


def test_a_verified_purchase_tells_the_buyers_people(app_ctx):
    buyer, owner = make_org("corporate", verified=True)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    supplier_org, supplier = make_org("startup", name="Quantix", verified=True)
    operator = make_operator()
    purchase = Purchase(buyer_id=buyer.id, source=PurchaseSource.DECLARED, status=PurchaseStatus.VERIFIED,
                        supplier_id=supplier_org.id, amount_cents=120_000_00, purchased_on=utcnow().date(),
                        declared_by_id=owner.id, verified_by_id=operator.id, verified_at=utcnow())
    db.session.add(purchase)
    db.session.flush()
    record_event("purchase.verified", purchase_id=purchase.id)
    commit()
    told = notified("purchase_verified")
    assert set(told) == {owner.id, ambassador.id}
    assert read(told[owner.id]) == ("Your declared purchase from Quantix is verified",
                                    f"/commitment/purchases/{purchase.id}")


def test_a_rejected_purchase_tells_the_buyers_people_why(app_ctx):
    from app.commitments.services import reject_purchase

    buyer, owner = make_org("corporate", verified=True)
    operator = make_operator()
    purchase = Purchase(buyer_id=buyer.id, source=PurchaseSource.DECLARED, status=PurchaseStatus.DECLARED,
                        supplier_name="Nébuleuse SAS", supplier_country="FR", amount_cents=80_000_00,
                        purchased_on=utcnow().date(), declared_by_id=owner.id)
    db.session.add(purchase)
    db.session.flush()
    reject_purchase(purchase, by=operator, reason="Le bon de commande ne porte pas de montant.")
    commit()
    told = notified("purchase_rejected")
    assert set(told) == {owner.id}
    sentence, url = read(told[owner.id])
    assert "Nébuleuse SAS" in sentence and "ne porte pas de montant" in sentence
    assert url == f"/commitment/purchases/{purchase.id}"
    assert HANDLERS["purchase.rejected"](last_event("purchase.rejected")) == []


# --- deadline reminders -----------------------------------------------------------------------


def test_deadline_reminders_go_once_to_followers_who_have_not_bid(market):
    from notifications.handlers import remind_deadlines

    need = market["need"]
    need.deadline_at = utcnow() + timedelta(days=2, hours=3)
    later = make_need(market["buyer"], deadline_in_days=10)
    commit()
    bidder_org, bidder = market["bidder"]
    follower_org, follower = market["follower"]
    drafter_org, drafter = market["bystander"]
    muted_org, muted = market["muted"]
    submit_bid(need, complete(), viewer=viewer(bidder))
    submit_bid(need, complete(), viewer=viewer(drafter), draft=True)  # a draft is not a bid yet
    for org, user in (market["bidder"], market["follower"], market["bystander"], market["muted"]):
        follow(need, user, org)
        follow(later, user, org)
    colleague = market["colleague"]
    follow(need, colleague, bidder_org)  # their organisation has bid
    mute_need(muted.id, need.id)
    commit()

    assert remind_deadlines() == 2
    commit()
    told = notified("need_deadline_soon")
    assert set(told) == {follower.id, drafter.id}
    assert told[follower.id].params["days"] == 3 and told[follower.id].need_id == need.id
    assert read(told[follower.id])[0] == "Assistant souverain closes in 3 days and you have not bid yet"
    assert remind_deadlines(now=utcnow() + timedelta(days=1)) == 0  # once per need
    commit()
    assert len(notified("need_deadline_soon")) == 2


def test_no_reminder_for_a_need_past_its_deadline_or_no_longer_open(market):
    from notifications.handlers import remind_deadlines

    follower_org, follower = market["follower"]
    gone = make_need(market["buyer"], deadline_in_days=1)
    cancelled = make_need(market["buyer"], deadline_in_days=1, status="cancelled")
    for need in (gone, cancelled):
        follow(need, follower, follower_org)
    past(gone.id)
    assert remind_deadlines() == 0
    assert db.session.get(Need, gone.id).status.value == "published"  # reminders close nothing
