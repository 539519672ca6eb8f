"""Alerts when a need is published (outbox event « need.published »).

Two audiences, each person notified once per need:

a. the owners of the saved searches the need matches — text and filters, as the needs
   search page would list it (notifications.fanout_searches) — within the access rules:
   the search's organisation may see the need and, on an SME set-aside, bid on it. One
   notification per user names all their matching searches; it is emailed as the most
   frequent of them asks (instant > daily > weekly), the user's « no email » aside;
   whether an instant one is emailed at once is decided when it is delivered
   (notifications.delivery: the plan's instant alerts, else the daily digest);
b. the people (owners and members) of supplier organisations whose profile strongly
   matches the need (``match_suppliers``, score ≥ ALERT_PROFILE_MIN_SCORE), unless
   (a) already told them about this need.

Notifications carry a unique key per (user, kind, need, reason): running the handler
again (a retry of the event) creates nothing new. If the engine is down, profile
matching raises, the event is retried later with the rest of its handlers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.alerts.models import EmailMode, Notification
from app.db import utcnow
from app.events import OutboxEvent
from app.extensions import db
from app.needs.models import Need
from app.needs.policy import is_open_for_bids
from notifications.audience import SupplierAccess, members_of
from notifications.delivery import notify_users
from notifications.fanout_searches import matching_users

log = logging.getLogger(__name__)

EVENT = "need.published"
SEARCH_KIND, SEARCH_REASON = "need_matched_search", "search"
PROFILE_KIND, PROFILE_REASON = "need_matched_profile", "profile"
PROFILE_CANDIDATES = 50  # suggestions read per need; the score threshold decides who hears
TOP_REASONS = 3


@dataclass
class FanOut:
    """Who was found for a need, and how many notifications are new."""

    search_users: list[int] = field(default_factory=list)
    profile_users: list[int] = field(default_factory=list)
    created: list[int] = field(default_factory=list)


def load_need(need_id: int) -> Need | None:
    return db.session.scalar(select(Need).where(Need.id == need_id).options(
        selectinload(Need.categories), selectinload(Need.invitations), selectinload(Need.buyer)))


def fan_out_need(need_id: int, *, now: datetime | None = None) -> FanOut:
    """Notify the saved searches' owners and the strongly matching suppliers of a new need."""
    now = now or utcnow()
    need = load_need(need_id)
    result = FanOut()
    if need is None or not is_open_for_bids(need, now):
        return result  # cancelled or closed before the event was handled: nothing to announce
    access = SupplierAccess(need)
    common = {"need_title": need.title, "need_reference": need.reference}

    by_user = matching_users(need, now=now, access=access)
    result.search_users = sorted(by_user)
    result.created += notify_users(
        result.search_users, SEARCH_KIND, need_id=need.id, reason=SEARCH_REASON, params=common,
        per_user_params={u: {"searches": m.names, "organisation_ids": m.organisation_ids}
                         for u, m in by_user.items()},
        email_modes={u: EmailMode(m.frequency) for u, m in by_user.items()}, now=now,
    )

    told = set(by_user) | _already_told(need.id, SEARCH_KIND)
    profiles = profile_matches(need, access=access, exclude=told)
    result.profile_users = sorted(profiles)
    result.created += notify_users(result.profile_users, PROFILE_KIND, need_id=need.id, reason=PROFILE_REASON,
                                   params=common, per_user_params=profiles, now=now)
    log.info("need %s published: %d user(s) by saved search, %d by profile, %d new notification(s)",
             need.id, len(result.search_users), len(result.profile_users), len(result.created))
    return result


def _already_told(need_id: int, kind: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.need_id == need_id,
                                                                     Notification.kind == kind)))


def profile_matches(need: Need, *, access: SupplierAccess, exclude: set[int]) -> dict[int, dict]:
    """user id -> params (score, reasons in the user's language) for strong profile matches."""
    from app.matching.matching_suppliers import match_suppliers

    threshold = int(current_app.config["ALERT_PROFILE_MIN_SCORE"])
    strong = [s for s in match_suppliers(need, limit=PROFILE_CANDIDATES) if s.score >= threshold]
    allowed = access.allowed(s.organisation.id for s in strong)
    by_org = {s.organisation.id: s for s in strong if s.organisation.id in allowed}
    params: dict[int, dict] = {}
    for user_id, org_id, locale in members_of(by_org):
        suggestion = by_org[org_id]
        if user_id in exclude or params.get(user_id, {}).get("score", -1) >= suggestion.score:
            continue  # told by a saved search, or a better match through another organisation
        good = [r for r in suggestion.reasons if r.tone == "good"][:TOP_REASONS]
        with force_locale(locale if locale in ("fr", "en") else "fr"):
            reasons = [str(r) for r in good]
        params[user_id] = {"score": suggestion.score, "reasons": reasons,
                           "organisation": suggestion.organisation.name, "organisation_ids": [org_id]}
    return params


def _on_need_published(event: OutboxEvent) -> None:
    fan_out_need(int(event.payload["need_id"]))


def init_app(app: Flask) -> None:
    app.extensions["tremplin.subscribers"].subscribe(EVENT, _on_need_published)
