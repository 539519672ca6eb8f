"""Alerts when a need is published: saved searches and strong profile matches, within access rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Membership, SizeCategory
from app.alerts.models import EmailMode, EmailStatus, Notification, OutgoingEmail
from app.alerts.saved_searches import pause_search, save_search
from app.events import commit
from app.extensions import db
from app.needs.models import NeedStatus
from notifications.fanout import fan_out_need
from tests.factories import make_member, make_need, make_org
from tests.matching.test_suggestions import soc_market


def supplier(verified=True, **facts):
    org, user = make_org("startup", verified=verified)
    for key, value in facts.items():
        setattr(org, key, value)
    db.session.commit()
    return org, user


def save(user, org, name, q="", *, frequency="daily", **args):
    saved = save_search(user, org, name=name, args={"q": q, **args}, frequency=frequency)
    db.session.commit()
    return saved


def told(kind="need_matched_search") -> dict[int, Notification]:
    return {n.user_id: n for n in db.session.scalars(select(Notification).where(Notification.kind == kind))}


@pytest.fixture()
def buyer(app_ctx):
    org, _ = make_org("administration", name="Ministère des Essais", verified=True)
    return org


def soc_need(buyer, **options):
    return make_need(buyer, title="Supervision de sécurité : SOC managé pour nos hôpitaux",
                     categories=("cyber.soc",), **options)


def test_one_notification_per_user_naming_each_matching_search(buyer):
    org, user = supplier()
    save(user, org, "SOC", "soc")
    save(user, org, "Cyber", "sécurité", axis="cyber")
    save(user, org, "Quantique", "quantique")
    other_org, other = supplier()
    save(other, other_org, "Hôpitaux", "hopitaux", frequency="weekly")
    need = soc_need(buyer)

    result = fan_out_need(need.id)

    notes = told()
    assert set(notes) == {user.id, other.id} == set(result.search_users)
    assert notes[user.id].params["searches"] == ["SOC", "Cyber"]
    assert notes[user.id].params["need_reference"] == need.reference
    assert notes[user.id].params["need_title"] == need.title
    assert notes[other.id].params["searches"] == ["Hôpitaux"]


def test_text_and_filters_must_both_match(buyer):
    org, user = supplier()
    save(user, org, "SOC but data", "soc", axis="data")
    save(user, org, "Words elsewhere", "blockchain", axis="cyber")
    save(user, org, "Only big deals", band="gte10m")
    need = soc_need(buyer)
    fan_out_need(need.id)
    assert told() == {}


def test_paused_searches_send_nothing(buyer):
    org, user = supplier()
    saved = save(user, org, "SOC", "soc")
    pause_search(user, saved.id)
    db.session.commit()
    fan_out_need(soc_need(buyer).id)
    assert told() == {}


def test_restricted_need_reaches_only_verified_suppliers(buyer):
    verified_org, verified = supplier(verified=True)
    unverified_org, unverified = supplier(verified=False)
    for org, user in ((verified_org, verified), (unverified_org, unverified)):
        save(user, org, "SOC", "soc")
    fan_out_need(soc_need(buyer, visibility="restricted").id)
    assert set(told()) == {verified.id}


def test_invitation_only_need_reaches_only_invited_suppliers(buyer):
    invited_org, invited = supplier()
    other_org, other = supplier()
    for org, user in ((invited_org, invited), (other_org, other)):
        save(user, org, "SOC", "soc")
    fan_out_need(soc_need(buyer, visibility="invitation", invited=[invited_org]).id)
    assert set(told()) == {invited.id}


def test_sme_set_aside_skips_suppliers_that_may_not_bid(buyer):
    sme_org, sme = supplier(size=SizeCategory.SMALL, employees=30)
    large_org, large = supplier(size=SizeCategory.LARGE, employees=3000)
    crowded_org, crowded = supplier(employees=400)
    for org, user in ((sme_org, sme), (large_org, large), (crowded_org, crowded)):
        save(user, org, "SOC", "soc")
    fan_out_need(soc_need(buyer, sme_set_aside=True).id)
    assert set(told()) == {sme.id}


def test_buyers_and_former_members_hear_nothing(buyer):
    org, user = supplier()
    save(user, org, "SOC", "soc")
    colleague = make_member(org)
    save(colleague, org, "SOC too", "soc")
    db.session.delete(db.session.scalar(select(Membership).where(Membership.user_id == colleague.id)))
    db.session.commit()
    fan_out_need(soc_need(buyer).id)
    assert set(told()) == {user.id}


def test_a_second_run_creates_nothing_new(buyer):
    org, user = supplier()
    save(user, org, "SOC", "soc", frequency="instant")
    need = soc_need(buyer)
    first = fan_out_need(need.id)
    commit()  # the email is rendered by the email.render event's job, after commit
    second = fan_out_need(need.id)
    commit()
    assert len(first.created) == 1 and second.created == []
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(OutgoingEmail)) == 1


def test_instant_searches_queue_an_email_and_daily_ones_wait_for_the_digest(buyer):
    instant_org, instant = supplier()
    daily_org, daily = supplier()
    both_org, both = supplier()
    save(instant, instant_org, "SOC", "soc", frequency="instant")
    save(daily, daily_org, "SOC", "soc", frequency="daily")
    save(both, both_org, "SOC weekly", "soc", frequency="weekly")
    save(both, both_org, "SOC at once", "supervision", frequency="instant")
    fan_out_need(soc_need(buyer).id)
    commit()

    notes = told()
    assert notes[instant.id].email_mode == EmailMode.INSTANT
    assert notes[daily.id].email_mode == EmailMode.DAILY
    assert notes[both.id].email_mode == EmailMode.INSTANT  # the most frequent of its searches
    emails = {e.user_id: e for e in db.session.scalars(select(OutgoingEmail))}
    assert set(emails) == {instant.id, both.id}
    assert emails[instant.id].status in (EmailStatus.PENDING, EmailStatus.SENT)  # sent inline after commit


def test_publishing_a_need_alerts_through_the_outbox(buyer):
    from app.needs.services import publish_need

    org, user = supplier()
    save(user, org, "SOC", "soc", frequency="instant")
    need = soc_need(buyer, status="draft")
    need.reuse_note = "Nothing among the members' solutions fits."
    publish_need(need, by=make_member(buyer))
    commit()
    assert set(told()) == {user.id}
    email = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.user_id == user.id))
    assert email is not None and email.to_address == user.email


def test_a_need_closed_or_cancelled_before_the_alerts_announces_nothing(buyer):
    org, user = supplier()
    save(user, org, "SOC", "soc")
    need = soc_need(buyer)
    need.status = NeedStatus.CANCELLED
    db.session.commit()
    fan_out_need(need.id)
    assert told() == {}


def test_strong_profile_matches_are_told_once(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "ALERT_PROFILE_MIN_SCORE", 60)
    _buyer, need, market = soc_market()  # scores: Vigie 88, Bastion 64, Clé Forte 43; « Cachée » unverified
    owner_of = {key: db.session.scalar(select(Membership.user_id).where(Membership.organisation_id == org.id))
                for key, org in market.items()}
    bastion_member = make_member(market["bastion"])
    # Vigie's owner also has a saved search for this need: told by it, not twice
    save(db.session.get(type(bastion_member), owner_of["vigie"]), market["vigie"], "SOC", "soc")

    result = fan_out_need(need.id)

    by_search, by_profile = told(), told("need_matched_profile")
    assert set(by_search) == {owner_of["vigie"]}
    assert set(by_profile) == {owner_of["bastion"], bastion_member.id} == set(result.profile_users)
    note = by_profile[owner_of["bastion"]]
    assert note.params["score"] == 64 and note.params["need_reference"] == need.reference
    assert note.params["reasons"] and all(isinstance(r, str) for r in note.params["reasons"])
    assert fan_out_need(need.id).created == []  # a retry adds nothing
