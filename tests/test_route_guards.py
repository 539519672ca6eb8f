"""Every route is either public by declaration or guarded: a walk over the URL map.

``app/main/public_routes.py`` declares the endpoints anyone may reach. For every other rule
of ``app.url_map`` and every method it answers (HEAD and OPTIONS aside), a real request is
made with arguments that name real objects (an invitation-only need, its bid, question,
documents; a member's purchase; a supplier's saved search, notification, solution, ...):

- an anonymous visitor is refused: on the web a redirect to the sign-in page, 401, 403 or
  404; on the API (``/api/``) a 401 problem;
- on routes that name an object, a signed-in person of an unrelated organisation (a
  startup and a corporate group, neither invited) is refused with 403 or 404, and so is a
  token of theirs on the API: the route checks the access policy, not only the session.

A failure names the endpoint, the request and what came back, and says what to do. A
route whose argument the walker does not know fails too, asking for a value. The walker's
own test adds a throwaway blueprint to a fresh app and checks that it is caught.

tests/test_route_guards_policy.py walks the same world further (a public need, ids crossed
under one's own objects, the operator's pages, revoked tokens).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule

from app import create_app
from app.accounts.models import Membership, Role
from app.alerts.models import Notification
from app.alerts.saved_searches import save_search
from app.events import OutboxEvent
from app.extensions import db
from app.files.storage import store_upload
from app.main.public_routes import PUBLIC_ENDPOINT_REASONS, PUBLIC_ENDPOINTS
from app.needs.models import Attachment
from app.needs.participation import ask_question
from app.operations.files import store_bytes
from app.operations.models import Operation, OperationKind, OperationStatus
from app.suppliers import services as suppliers
from tests.api.helpers import bearer
from tests.conftest import make_config
from tests.factories import login, make_bid, make_member, make_need, make_operator, make_org

SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Arguments that name an object belonging to someone: a route with one of them must refuse a
# signed-in person of an unrelated organisation. (``slug`` names a supplier's public profile,
# ``code`` a language, ``table`` a commitment table, ``token`` a signed link, ``filename`` a
# static file: not objects of an organisation.)
OBJECT_ARGUMENTS = frozenset({
    "reference", "bid_id", "attachment_id", "question_id", "membership_id", "organisation_id",
    "purchase_id", "search_id", "notification_id", "need_id", "token_id", "certification_id",
    "solution_id", "operation_id", "event_id", "queue", "job_id",
})

# Endpoints whose object argument only ever selects the signed-in user's own rows, with why an
# answer other than 403/404 to an outsider reveals and changes nothing of anyone else.
OWN_ROWS_ONLY = {
    "alerts.unmute": "deletes the user's own mute of that need id, if there is one; the need is never read",
}

WHAT_TO_DO = ("Either declare it public in app/main/public_routes.py (with the reason why), or guard it: "
              "@login_required and the domain's policy.py on the web, @require_token(...) on the API.")


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def _location(response) -> str:
    return response.headers.get("Location", "")


def anonymous_refused(path: str, response) -> bool:
    if is_api(path):
        return response.status_code == 401 and response.mimetype == PROBLEM
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in (301, 302, 303, 307, 308) and urlsplit(_location(response)).path == "/login"


def outsider_refused(path: str, response) -> bool:
    if is_api(path):
        return response.status_code in (403, 404) and response.mimetype == PROBLEM
    return response.status_code in (403, 404)


def describe(response) -> str:
    what = f"{response.status_code} {response.mimetype or ''}".strip()
    if _location(response):
        what += f" → {_location(response)}"
    return what


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    path: str
    arguments: frozenset[str]

    @property
    def names_an_object(self) -> bool:
        return bool(self.arguments & OBJECT_ARGUMENTS)

    def __str__(self) -> str:
        return f"{self.endpoint} ({self.method} {self.path})"


@dataclass
class Walk:
    """The calls of a URL map, and what the walker could not build."""

    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


Values = Mapping[str, object | Callable[[Rule], object]]


def walk(app: Flask, values: Values, *, endpoints: Iterable[str] | None = None) -> Walk:
    """One call per (rule, method) of the app's URL map, arguments taken from ``values``
    (a value, or a function of the rule for arguments whose object depends on the route)."""
    wanted = set(endpoints) if endpoints is not None else None
    adapter = app.url_map.bind("localhost")
    result = Walk()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if wanted is not None and rule.endpoint not in wanted:
            continue
        missing = sorted(name for name in rule.arguments if name not in values)
        if missing:
            result.problems.append(
                f"{rule.endpoint} ({rule.rule}): the route walker has no value for {', '.join(missing)}; "
                f"add one to the values of build_world in tests/test_route_guards.py (an object of the "
                f"buyer's or the invited supplier's if it names one, and the name to OBJECT_ARGUMENTS then).")
            continue
        arguments = {name: (value(rule) if callable(value) else value)
                     for name, value in ((n, values[n]) for n in rule.arguments)}
        for method in sorted(rule.methods - SKIPPED_METHODS):
            path = adapter.build(rule.endpoint, arguments, method=method)
            result.calls.append(Call(rule.endpoint, method, path, frozenset(rule.arguments)))
    return result


def request(client, call: Call, headers: Mapping[str, str] | None = None, bodies: Mapping | None = None):
    """Make the call with the body given for its endpoint and method (a form on the web, JSON on
    the API; empty by default), reading the whole answer."""
    body = (bodies or {}).get((call.endpoint, call.method), {})
    body = {"json": body} if is_api(call.path) and call.method in ("POST", "PUT", "PATCH") else {"data": body}
    response = client.open(call.path, method=call.method, headers=dict(headers or {}), **body)
    response.get_data()  # streamed answers run to the end, inside their own request context
    response.close()
    return response


def unguarded_for_anonymous(client, calls: Iterable[Call], public: frozenset[str]) -> list[str]:
    """What an anonymous visitor reaches without the endpoint being declared public."""
    failures = []
    for call in calls:
        if call.endpoint in public:
            continue
        response = request(client, call)
        if not anonymous_refused(call.path, response):
            expected = "401 problem JSON" if is_api(call.path) else "a redirect to /login, 401, 403 or 404"
            failures.append(f"{call} answered an anonymous visitor {describe(response)} instead of {expected}. "
                            + WHAT_TO_DO)
    return failures


def unguarded_for_outsider(client, calls: Iterable[Call], public: frozenset[str], who: str,
                           headers: Mapping[str, str] | None = None, bodies: Mapping | None = None) -> list[str]:
    """What a signed-in person (or, with ``headers``, a token) who does not own the objects
    reaches on object routes, sending a valid body where one is given."""
    failures = []
    for call in calls:
        if call.endpoint in public or call.endpoint in OWN_ROWS_ONLY or not call.names_an_object:
            continue
        if is_api(call.path) != (headers is not None):
            continue
        response = request(client, call, headers, bodies)
        if not outsider_refused(call.path, response):
            hint = ""
            if response.status_code in (400, 422):
                hint = (" If the body was invalid, give the walker a valid one (api_bodies in "
                        "tests/test_route_guards.py), so that the policy is what answers.")
            failures.append(
                f"{call} answered {who} {describe(response)} instead of 403 or 404: "
                f"the view must load the object through its domain's policy.py (404 when it may not be seen, "
                f"403 when it may be seen but not acted on).{hint}")
    return failures


def stale_declarations(app: Flask, public: Iterable[str]) -> list[str]:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return [f"{name} is declared public in app/main/public_routes.py but no route has this endpoint any more: "
            f"remove it from the declaration." for name in sorted(set(public) - endpoints)]


def report(failures: list[str]) -> str:
    return f"{len(failures)} route(s) not guarded:\n" + "\n".join(f"- {failure}" for failure in failures)


# --- The world the walker's arguments point into ------------------------------------------------

def _need_attachment(need) -> int:
    stored = store_upload(FileStorage(io.BytesIO(PDF), filename="cahier des charges.pdf"))
    attachment = Attachment(need_id=need.id, filename=stored.filename, content_type=stored.content_type,
                            size_bytes=stored.size_bytes, sha256=stored.sha256, storage_key=stored.storage_key)
    db.session.add(attachment)
    db.session.flush()
    return attachment.id


def _bid_attachment(bid) -> int:
    stored = store_upload(FileStorage(io.BytesIO(PDF + b"%bid"), filename="offre.pdf"))
    attachment = Attachment(bid_id=bid.id, filename=stored.filename, content_type=stored.content_type,
                            size_bytes=stored.size_bytes, sha256=stored.sha256, storage_key=stored.storage_key)
    db.session.add(attachment)
    db.session.flush()
    return attachment.id


def build_world() -> dict:
    """A buyer with an invitation-only need, the supplier invited to it (with a bid, a question,
    a saved search, ...), and two outsiders: a startup and a corporate group, never invited."""
    buyer, buyer_owner = make_org("corporate", name="Groupe Acheteur", verified=True, email="owner@buyer.fr")
    buyer_member = make_member(buyer, role=Role.MEMBER, email="member@buyer.fr")
    supplier, supplier_owner = make_org("startup", name="Startup Invitée", verified=True, email="owner@invited.fr")
    make_member(supplier, role=Role.MEMBER, email="colleague@invited.fr")  # owns none of the owner's things
    outsider_startup, outsider_startup_owner = make_org("startup", name="Startup Étrangère", verified=True,
                                                        email="owner@outsider-startup.fr")
    outsider_group, outsider_group_owner = make_org("corporate", name="Groupe Étranger", verified=True,
                                                    email="owner@outsider-group.fr")
    # Both groups are alliance members: the outsider group may declare purchases, only not see the buyer's.
    buyer.alliance_member = outsider_group.alliance_member = True

    make_operator(email="ops@tremplin.example")
    need = make_need(buyer, visibility="invitation", route="private", title="Besoin confidentiel",
                     invited=[supplier])
    need_attachment = _need_attachment(need)
    bid = make_bid(need, supplier, user=supplier_owner)
    bid_attachment = _bid_attachment(bid)
    question = ask_question(need, by=supplier_owner, organisation=supplier, body="Hébergement en France ?")
    # A public need, with the same objects: anyone may see it, only its buyer may act on it as a buyer,
    # and only the supplier on its bid.
    open_need = make_need(buyer, visibility="public", route="private", title="Besoin ouvert")
    open_need_attachment = _need_attachment(open_need)
    open_bid = make_bid(open_need, supplier, user=supplier_owner)
    open_bid_attachment = _bid_attachment(open_bid)
    open_question = ask_question(open_need, by=supplier_owner, organisation=supplier, body="Réversibilité ?")
    # The outsiders' own need and draft bid, to put the others' ids under them in a URL.
    own_need = make_need(outsider_group, visibility="public", route="private", title="Besoin du groupe étranger")
    own_bid = make_bid(own_need, outsider_startup, status="draft", user=outsider_startup_owner)
    saved = save_search(supplier_owner, supplier, name="Cyber", args={"q": "cybersécurité"})
    notification = Notification(user_id=supplier_owner.id, kind="need_matched_profile", dedup_key="walker:1",
                                params={"need_title": need.title, "need_reference": need.reference},
                                need_id=need.id)
    db.session.add(notification)
    solution = suppliers.create_solution(supplier, by=supplier_owner, values={
        "name": "Veille Souveraine", "summary": "Supervision des réseaux", "category_code": "cyber.soc",
        "deployment": "saas", "hosting_country": "FR", "hosting_provider": "OVHcloud", "secnumcloud": True})
    certification = suppliers.add_certification(supplier, by=supplier_owner,
                                                values={"kind": "iso27001", "reference": "ISO-42"})
    export_file = {"storage_key": store_bytes(b"id;amount\n1;185000\n"), "filename": "purchases.csv",
                   "content_type": "text/csv"}
    operation = Operation(kind=OperationKind.EXPORT, owner_id=buyer_owner.id, organisation_id=buyer.id,
                          status=OperationStatus.DONE, params={"table": "purchases"}, result={"file": export_file})
    db.session.add(operation)
    db.session.flush()
    from app.commitments.models import Purchase
    from tests.commitments.helpers import declare

    purchase: Purchase = declare(buyer, buyer_owner)
    from app.api.tokens import create_token

    token, _secret = create_token(supplier_owner, supplier, name="walker", scopes=["read"])
    membership_id = db.session.scalar(select(Membership.id).where(Membership.user_id == buyer_member.id,
                                                                  Membership.organisation_id == buyer.id))
    db.session.commit()
    event_id = db.session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id).limit(1))
    values = {
        "reference": need.reference,
        "bid_id": bid.id,
        "attachment_id": lambda rule: bid_attachment if rule.endpoint.startswith("bids.") else need_attachment,
        "question_id": question.id,
        "membership_id": membership_id,
        "organisation_id": buyer.id,
        "purchase_id": purchase.id,
        "search_id": saved.id,
        "notification_id": notification.id,
        "need_id": need.id,
        "token_id": token.id,
        "certification_id": certification.id,
        "solution_id": solution.id,
        "operation_id": operation.id,
        "event_id": event_id,
        "queue": "default",
        "job_id": "a-job-of-someone",
        "token": "not-a-signed-token",
        "table": "purchases",  # a member's detail table
        "slug": supplier.slug,
        "identifier": f"ocds-unknown-{need.reference}",
        "code": "en",
        "filename": "css/app.css",
    }
    open_values = {
        **values,
        "reference": open_need.reference,
        "bid_id": open_bid.id,
        "attachment_id": lambda rule: open_bid_attachment if rule.endpoint.startswith("bids.") else open_need_attachment,
        "question_id": open_question.id,
        "need_id": open_need.id,
    }
    # Each outsider's own object first in the path, an object of the buyer's world after it.
    crossed_values = {
        **values,
        "reference": own_need.reference,
        "bid_id": lambda rule: own_bid.id if rule.endpoint.startswith("bids.") else bid.id,
    }
    return {"values": values, "bodies": api_bodies(values), "open_values": open_values,
            "open_bodies": api_bodies(open_values), "crossed_values": crossed_values}


def api_bodies(values: Mapping) -> dict[tuple[str, str], dict]:
    """Valid bodies for the API's writes: what a well-behaved client would send, so that an
    outsider's request passes validation and meets the policy."""
    from app.needs.doctrine import CRITERIA
    from tests.api.test_api_bids import body as bid_body

    return {
        ("api_need_bids.OwnBid", "PUT"): bid_body(),
        ("api_need_outcome.Awards", "POST"): {"bids": [{"bid_id": values["bid_id"],
                                                         "amount": {"amount_cents": 15_000_000}}]},
        ("api_need_outcome.BidEvaluation", "PUT"): {"scores": dict.fromkeys(CRITERIA, 3)},
        ("api_need_outcome.BidRejection", "POST"): {"feedback": "Offre non retenue."},
        ("api_need_outcome.NeedUnsuccessful", "POST"): {"reason": "Aucune offre ne convient."},
        ("api_need_questions.Invitations", "POST"): {"supplier_slug": values["slug"]},
        ("api_need_questions.QuestionAnswer", "POST"): {"body": "Oui, en France."},
        ("api_need_questions.Questions", "POST"): {"body": "Quel calendrier ?"},
        ("api_saved_searches.SavedSearchById", "PATCH"): {"paused": True},
        ("api_purchases.PurchaseById", "PATCH"): {"description": "Licences pour deux directions."},
        ("api_needs_write.NeedChange", "PATCH"): {"summary": "Résumé précisé."},
        ("api_needs_write.NeedCancellation", "POST"): {"reason": "Besoin abandonné."},
    }


OUTSIDERS = {"owner@outsider-startup.fr": "the owner of an unrelated startup",
             "owner@outsider-group.fr": "the owner of an unrelated corporate group"}


@dataclass
class World:
    walk: Walk
    values: dict
    bodies: dict
    open_walk: Walk  # the same routes on a public need, its bid, question and documents
    open_bodies: dict
    crossed_walk: Walk  # the outsiders' own need or bid in the path, the buyer's objects under it


def make_world(app) -> World:
    """The world built (on a clean database: take the ``client`` fixture first) and walked."""
    with app.app_context():
        built = build_world()
        walked = walk(app, built["values"])
        walked_open = walk(app, built["open_values"])
        walked_crossed = walk(app, built["crossed_values"])
    return World(walked, built["values"], built["bodies"], walked_open, built["open_bodies"], walked_crossed)


@pytest.fixture()
def world(client, app) -> World:
    return make_world(app)


def test_every_route_is_public_by_declaration_or_refused_to_anonymous_visitors(app, client, world):
    failures = world.walk.problems + unguarded_for_anonymous(client, world.walk.calls, PUBLIC_ENDPOINTS)
    assert not failures, report(failures)


def test_the_public_declaration_names_only_existing_endpoints_each_with_a_reason(app):
    assert not stale_declarations(app, PUBLIC_ENDPOINTS), "\n".join(stale_declarations(app, PUBLIC_ENDPOINTS))
    assert all(reason.strip() for reason in PUBLIC_ENDPOINT_REASONS.values())


@pytest.mark.parametrize("email", sorted(OUTSIDERS))
def test_object_routes_refuse_people_of_unrelated_organisations(app, client, world, email):
    assert login(client, email).status_code == 302
    failures = world.walk.problems + unguarded_for_outsider(client, world.walk.calls, PUBLIC_ENDPOINTS,
                                                            OUTSIDERS[email])
    assert not failures, report(failures)


def token_of(app, email: str, *scopes: str) -> dict[str, str] | None:
    """Authorization headers of a token of the user for their first organisation (None without one)."""
    from app.accounts.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if not user.memberships:
            return None
        return bearer(user, user.memberships[0].organisation, *(scopes or ("read", "write")))


@pytest.mark.parametrize("email", sorted(OUTSIDERS))
def test_api_object_routes_refuse_tokens_of_unrelated_organisations(app, client, world, email):
    headers = token_of(app, email)
    failures = world.walk.problems + unguarded_for_outsider(client, world.walk.calls, PUBLIC_ENDPOINTS,
                                                            f"a token of {OUTSIDERS[email]}", headers, world.bodies)
    assert not failures, report(failures)


# --- The walker itself: it catches a new unguarded route ----------------------------------------

def throwaway_blueprint() -> Blueprint:
    """Routes a developer might add: one forgetting @login_required, one API resource forgetting
    its token, one signed-in page forgetting the need policy, one well guarded, and one whose
    argument the walker does not know."""
    from flask import abort
    from flask_login import login_required

    bp = Blueprint("throwaway", __name__)

    @bp.get("/throwaway/figures")
    def figures():
        return "every member's figures"

    @bp.get("/api/v1/throwaway")
    def api_figures():
        return {"figures": [1, 2, 3]}

    @bp.post("/throwaway/needs/<reference>/note")
    @login_required
    def note(reference: str):
        return f"noted on {reference}"

    @bp.get("/throwaway/needs/<reference>/guarded")
    @login_required
    def guarded(reference: str):
        abort(404)

    @bp.get("/throwaway/widgets/<int:widget_id>")
    @login_required
    def widget(widget_id: int):
        return "a widget"

    return bp


@pytest.fixture()
def fresh_app(app, test_database, tmp_path):  # `app` builds the migrated database
    application = create_app(make_config(test_database, tmp_path))
    application.register_blueprint(throwaway_blueprint())
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_walker_reports_a_new_unguarded_route_by_name(fresh_app, world):
    endpoints = {rule.endpoint for rule in fresh_app.url_map.iter_rules() if rule.endpoint.startswith("throwaway.")}
    walked = walk(fresh_app, world.values, endpoints=endpoints)
    assert len(walked.problems) == 1
    assert walked.problems[0].startswith("throwaway.widget (/throwaway/widgets/<int:widget_id>)")
    assert "no value for widget_id" in walked.problems[0]

    client = fresh_app.test_client()
    anonymous = unguarded_for_anonymous(client, walked.calls, PUBLIC_ENDPOINTS)
    assert len(anonymous) == 2, anonymous
    assert anonymous[0].startswith("throwaway.api_figures (GET /api/v1/throwaway) answered an anonymous visitor "
                                   "200 application/json instead of 401 problem JSON")
    assert anonymous[1].startswith("throwaway.figures (GET /throwaway/figures) answered an anonymous visitor "
                                   "200 text/html instead of a redirect to /login")
    assert "declare it public in app/main/public_routes.py" in anonymous[1]
    # Declared public, the page passes; the rest still fail.
    assert len(unguarded_for_anonymous(client, walked.calls, PUBLIC_ENDPOINTS | {"throwaway.figures"})) == 1

    assert login(client, "owner@outsider-startup.fr").status_code == 302
    outsider = unguarded_for_outsider(client, walked.calls, PUBLIC_ENDPOINTS, "the owner of an unrelated startup")
    assert len(outsider) == 1, outsider
    assert outsider[0].startswith(f"throwaway.note (POST /throwaway/needs/{world.values['reference']}/note) "
                                  "answered the owner of an unrelated startup 200 text/html "
                                  "instead of 403 or 404")


def test_a_declaration_of_an_endpoint_that_no_longer_exists_is_reported(app):
    stale = stale_declarations(app, PUBLIC_ENDPOINTS | {"needs.old_search"})
    assert stale == ["needs.old_search is declared public in app/main/public_routes.py but no route has this "
                     "endpoint any more: remove it from the declaration."]
