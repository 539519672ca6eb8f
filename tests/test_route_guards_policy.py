"""Route guards, deeper: the walk of tests/test_route_guards.py checks the policy, not only sign-in.

- the walker's objects are real ones (their own people open them), so no check passes on a wrong id;
- public pages still hide what the policy hides (an invitation-only need, a member's detail table);
- on a need outsiders may see, they do only what its viewers may (not act as its buyer, not
  open another supplier's bid);
- an id under one's own object must belong to it (another need's document under one's own need...);
- the operator's pages refuse everyone else; the API refuses a revoked token as it refuses none.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.main.public_routes import PUBLIC_ENDPOINTS
from tests.factories import login
from tests.test_route_guards import (
    OUTSIDERS,
    OWN_ROWS_ONLY,
    WHAT_TO_DO,
    Call,
    World,
    anonymous_refused,
    describe,
    is_api,
    make_world,
    outsider_refused,
    report,
    request,
    token_of,
    unguarded_for_outsider,
)


@pytest.fixture()
def world(client, app) -> World:
    return make_world(app)


INSIDERS = ("owner@buyer.fr", "member@buyer.fr", "owner@invited.fr", "ops@tremplin.example")
# Object pages none of the world's people may open, and why that is the policy, not a wrong id.
OPEN_TO_NONE_HERE = {
    "api_need_outcome.BidEvaluation": "an evaluator's own scores: 404 until they score, and a sealed bid is "
                                      "scored only after the deadline (tests/api/test_api_evaluations.py)",
    "opendata.need_record": "an invitation-only need is never open data: a 404 for everyone (tests/opendata)",
}


@pytest.mark.parametrize("need", ["invitation", "public"])
def test_the_walkers_objects_are_real_ones_their_own_people_reach(app, client, world, need):
    """Without this, a wrong id would make every outsider check pass: each object route's page
    (GET) opens, on the web and on the API, for someone of the object's own side (the buyer, the
    invited supplier, the operator)."""
    walked = world.walk if need == "invitation" else world.open_walk
    pending = [c for c in walked.calls if c.method == "GET" and c.names_an_object
               and c.endpoint not in OWN_ROWS_ONLY and c.endpoint not in OPEN_TO_NONE_HERE]
    answers: dict[Call, list[str]] = {call: [] for call in pending}
    for email in INSIDERS:
        headers = token_of(app, email, "read")
        assert login(client, email).status_code == 302
        for call in list(pending):
            if is_api(call.path) and headers is None:
                continue
            response = request(client, call, headers if is_api(call.path) else None)
            answers[call].append(f"{email}: {describe(response)}")
            if response.status_code < 400:
                pending.remove(call)
        client.post("/logout")
    assert not pending, "\n".join(f"{call} opens for none of its own people: {answers[call]}" for call in pending)


# Arguments whose walker value is something the policy hides even on a public route: from
# anonymous visitors (the invitation-only need, its documents, a member's detail table), and from
# outsiders (the need; a detail table shows an alliance member its own rows, so is not refused).
HIDDEN_BY_POLICY = frozenset({"reference", "attachment_id", "table"})
HIDDEN_FROM_OUTSIDERS = frozenset({"reference", "attachment_id"})


def test_public_routes_still_hide_what_the_policy_hides(app, client, world):
    """Public pages that name a need (or a member's detail table) refuse the invitation-only
    need and the buyer's purchases, to anonymous visitors and to outsiders alike."""
    calls = [c for c in world.walk.calls if c.endpoint in PUBLIC_ENDPOINTS and c.arguments & HIDDEN_BY_POLICY]
    assert {c.endpoint for c in calls} >= {"needs.detail", "needs.download", "commitments.export"}
    failures = [f"{call} answered an anonymous visitor {describe(response)}" for call in calls
                if not anonymous_refused(call.path, response := request(client, call))]
    for email, who in OUTSIDERS.items():
        assert login(client, email).status_code == 302
        failures += [f"{call} answered {who} {describe(response)}" for call in calls
                     if call.arguments & HIDDEN_FROM_OUTSIDERS
                     and not outsider_refused(call.path, response := request(client, call))]
        client.post("/logout")
    assert not failures, report(failures)


# The operator's pages: under /operator, and the search reindex.
OPERATOR_ENDPOINTS = frozenset({"operations.confirm_reindex", "operations.reindex"})


def is_operators(call: Call) -> bool:
    return "/operator/" in call.path + "/" or call.endpoint in OPERATOR_ENDPOINTS


def test_the_operators_pages_refuse_everyone_else(app, client, world):
    calls = [c for c in world.walk.calls if is_operators(c)]
    assert {c.endpoint for c in calls} >= {"jobs.index", "accounts.verify_queue", "audit.operator_log",
                                           "commitments.purchases_queue", *OPERATOR_ENDPOINTS}
    failures = []
    for email in ("owner@buyer.fr", "owner@invited.fr"):
        assert login(client, email).status_code == 302
        failures += [f"{call} answered {email}, who is not the operator, {describe(response)} instead of 403 or 404"
                     for call in calls if not outsider_refused(call.path, response := request(client, call))]
        client.post("/logout")
    assert not failures, report(failures)


# On a need one may see, what is open to anyone who sees it (its buyer and the bidders aside).
NEED_ARGUMENTS = frozenset({"reference", "bid_id", "attachment_id", "question_id"})
OPEN_TO_WHOEVER_SEES_THE_NEED = {
    "api_needs.NeedByReference": "reads the need, as its public page does",
    "api_need_questions.Amendments": "the amendments are part of the need its viewers read",
    "api_need_questions.Questions": "viewers read the published answers; a supplier asks its own question",
    "needs.ask": "a supplier who may see an open need asks the buyer a question",
    "api_need_bids.OwnBid": "a supplier who may see an open need writes its own bid on it",
    "bids.edit": "a supplier who may see an open need writes its own bid on it",
    "needs.follow": "anyone who sees a need may follow it",
    "needs.unfollow": "one stops following a need; nothing of anyone else changes",
}


@pytest.mark.parametrize("email", sorted(OUTSIDERS))
def test_on_a_need_they_may_see_outsiders_do_only_what_its_viewers_may(app, client, world, email):
    """Seeing a public need is not acting as its buyer, nor reading another supplier's bid."""
    calls = [c for c in world.open_walk.calls if c.arguments & NEED_ARGUMENTS
             and c.endpoint not in OPEN_TO_WHOEVER_SEES_THE_NEED]
    public = PUBLIC_ENDPOINTS
    assert login(client, email).status_code == 302
    failures = unguarded_for_outsider(client, calls, public, OUTSIDERS[email])
    headers = token_of(app, email)
    failures += unguarded_for_outsider(client, calls, public, f"a token of {OUTSIDERS[email]}", headers,
                                       world.open_bodies)
    assert not failures, report(failures)


def test_api_routes_refuse_a_revoked_token_as_they_refuse_none(app, client, world):
    """A resource that only looked for an Authorization header would let a revoked token in."""
    from app.api.models import ApiToken
    from app.api.tokens import revoke_token

    headers = token_of(app, "owner@invited.fr")
    with app.app_context():
        revoke_token(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first())
        db.session.commit()
    failures = []
    for call in world.walk.calls:
        if not is_api(call.path) or call.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = request(client, call, headers, world.bodies)
        if not anonymous_refused(call.path, response):
            failures.append(f"{call} answered a revoked token {describe(response)} instead of 401 problem JSON. "
                            + WHAT_TO_DO)
    assert not failures, report(failures)


# Routes naming two objects, one under the other, and who owns the outer one in the crossed walk.
NESTED = {"needs.": "owner@outsider-group.fr", "api_need_": "owner@outsider-group.fr",
          "bids.": "owner@outsider-startup.fr"}


def test_an_id_under_ones_own_object_must_belong_to_it(app, client, world):
    """/needs/<own need>/attachments/<another need's document>, /bids/<own bid>/attachments/<another
    bid's file>, /api/v1/needs/<own need>/bids/<another need's bid>/...: refused, not served."""
    nested = [c for c in world.crossed_walk.calls if len(c.arguments & NEED_ARGUMENTS) >= 2]
    assert {c.endpoint for c in nested} >= {"needs.download", "bids.download", "needs.answer",
                                            "api_need_outcome.BidEvaluation", "api_need_questions.QuestionById"}
    failures = []
    for prefix, email in NESTED.items():
        calls = [c for c in nested if c.endpoint.startswith(prefix)]
        headers = token_of(app, email)
        assert login(client, email).status_code == 302
        who = f"{OUTSIDERS[email]}, through its own object,"
        failures += unguarded_for_outsider(client, calls, frozenset(), who)
        failures += unguarded_for_outsider(client, calls, frozenset(), f"a token of {who}", headers, world.bodies)
        client.post("/logout")
    assert not failures, report(failures)


# Arguments naming what belongs to one person, not to their organisation.
PERSONAL_ARGUMENTS = frozenset({"search_id", "notification_id", "token_id"})


def test_ones_saved_searches_notifications_and_tokens_are_refused_to_colleagues(app, client, world):
    """A colleague in the same organisation neither reads nor changes them, on the web or the API."""
    calls = [c for c in world.walk.calls if c.arguments & PERSONAL_ARGUMENTS]
    assert {c.endpoint for c in calls} >= {"alerts.pause_saved_search", "alerts.open_notification",
                                           "api_tokens.revoke", "api_saved_searches.SavedSearchById",
                                           "api_notifications.NotificationRead"}
    email = "colleague@invited.fr"
    assert login(client, email).status_code == 302
    who = "a colleague of their owner"
    failures = unguarded_for_outsider(client, calls, PUBLIC_ENDPOINTS, who)
    failures += unguarded_for_outsider(client, calls, PUBLIC_ENDPOINTS, f"a token of {who}", token_of(app, email),
                                       world.bodies)
    assert not failures, report(failures)
