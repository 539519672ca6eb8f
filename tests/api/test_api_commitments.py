"""The commitment tracker through the API: pledges with If-Match, purchases (list, declare
with evidence and Idempotency-Key, change, withdraw), the figures, and who may do what."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.accounts.models import Organisation, OrganisationKind, Role
from app.accounts.services import add_member
from app.commitments import services
from app.commitments.messages import message_for
from app.commitments.models import CommitmentRevision, Purchase
from app.events import commit
from app.extensions import db
from tests.api.helpers import bearer
from tests.commitments.builders import awarded, declared
from tests.commitments.helpers import OFF_PLATFORM_SIREN, PDF, alliance_member, supplier
from tests.factories import make_member, make_operator, make_org

API = "/api/v1"


@pytest.fixture()
def upload_root(app, tmp_path):
    app.config["UPLOAD_PATH"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config.pop("UPLOAD_PATH", None)


@pytest.fixture()
def world(client, upload_root):
    app = client.application
    with app.app_context():
        member, owner = alliance_member("Banque Fontenoy")
        colleague = make_member(member, role=Role.MEMBER)
        other, other_owner = alliance_member("Assurances Carnot")
        theirs = declared(other, 9_000_000, status="declared")
        newcomer, newcomer_owner = make_org("administration", name="Ministère des Essais", verified=True)
        startup = supplier("Orbinova IA", labels=["jei"])
        startup_user = startup.memberships[0].user
        operator_org = Organisation(name="Tremplin", slug="tremplin-operator", kind=OrganisationKind.OPERATOR,
                                    country="FR")
        db.session.add(operator_org)
        operator_user = make_operator()
        add_member(operator_org, operator_user, role=Role.OWNER)
        db.session.commit()
        return {
            "member_id": member.id, "other_id": other.id, "theirs": theirs.id, "newcomer_id": newcomer.id,
            "startup_siren": startup.siren,
            "owner": bearer(owner, member, "read", "write"),
            "owner_read": bearer(owner, member, "read"),
            "colleague": bearer(colleague, member, "read", "write"),
            "other": bearer(other_owner, other, "read", "write"),
            "newcomer": bearer(newcomer_owner, newcomer, "read", "write"),
            "supplier": bearer(startup_user, startup, "read", "write"),
            "operator": bearer(operator_user, operator_org, "read", "write"),
            "operator_user_id": operator_user.id,
        }


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- pledges --------------------------------------------------------------------------------------


def pledge_body(cents: int = 6_000_000_000, start: str = "2025-01-01", end: str = "2027-12-31", **extra) -> dict:
    return {"amount": {"amount_cents": cents, "currency": "EUR"}, "period": {"start": start, "end": end}, **extra}


def test_a_member_reads_its_pledge_and_history_and_revises_it_with_if_match(client, world):
    listed = client.get(f"{API}/pledges", headers=world["owner"])
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    (pledge,) = listed.get_json()
    assert pledge["amount"] == {"amount_cents": 5_000_000_000, "currency": "EUR"}
    assert pledge["period"] == {"start": "2025-01-01", "end": "2027-12-31"}
    assert pledge["organisation"]["name"] == "Banque Fontenoy" and len(pledge["revisions"]) == 1

    current = client.get(f"{API}/pledges/current", headers=world["owner"])
    etag = current.headers["ETag"]
    revised = client.put(f"{API}/pledges/current", json=pledge_body(note="Decided by the board"),
                         headers={**world["owner"], "If-Match": etag})
    assert revised.status_code == 200, revised.get_data(as_text=True)
    body = revised.get_json()
    assert body["amount"]["amount_cents"] == 6_000_000_000 and revised.headers["ETag"] != etag
    newest, first = body["revisions"]
    assert newest["amount"]["amount_cents"] == 6_000_000_000 and newest["note"] == "Decided by the board"
    assert first["amount"]["amount_cents"] == 5_000_000_000 and newest["revised_by"]["full_name"]

    # the old ETag is stale now; without one, a revision is refused before anything changes
    assert_problem(client.put(f"{API}/pledges/current", json=pledge_body(7_000_000_000),
                              headers={**world["owner"], "If-Match": etag}), 412)
    assert_problem(client.put(f"{API}/pledges/current", json=pledge_body(7_000_000_000), headers=world["owner"]), 428)
    assert count(client.application, CommitmentRevision) == 3  # two members' first pledges and one revision


def test_the_same_pledge_again_changes_nothing(client, world):
    etag = client.get(f"{API}/pledges/current", headers=world["owner"]).headers["ETag"]
    again = client.put(f"{API}/pledges/current", json=pledge_body(5_000_000_000),
                       headers={**world["owner"], "If-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] == etag
    assert count(client.application, CommitmentRevision) == 2


def test_a_verified_buyer_joins_the_alliance_with_its_first_pledge(client, world):
    created = client.put(f"{API}/pledges/current", json=pledge_body(), headers=world["newcomer"])
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["ETag"] and created.get_json()["revisions"][0]["revised_by"] is not None
    with client.application.app_context():
        assert db.session.get(Organisation, world["newcomer_id"]).alliance_member


def test_bad_pledges_are_422_with_field_errors_and_change_nothing(client, world):
    etag = client.get(f"{API}/pledges/current", headers=world["owner"]).headers["ETag"]
    headers = {**world["owner"], "If-Match": etag}
    errors = assert_problem(client.put(f"{API}/pledges/current", json=pledge_body(0, start="2027-01-01",
                                                                                 end="2026-01-01"),
                                       headers=headers), 422)["errors"]
    assert set(errors) == {"amount.amount_cents", "period.end"}
    errors = assert_problem(client.put(f"{API}/pledges/current", json={"amount": {"amount_cents": "lots"}},
                                       headers=headers), 422)["errors"]
    assert {"amount.amount_cents", "period"} <= set(errors)
    assert count(client.application, CommitmentRevision) == 2


def test_only_owners_of_buyer_organisations_pledge(client, world):
    assert_problem(client.put(f"{API}/pledges/current", json=pledge_body()), 401)
    assert_problem(client.put(f"{API}/pledges/current", json=pledge_body(), headers=world["owner_read"]), 403)
    refused = assert_problem(client.put(f"{API}/pledges/current", json=pledge_body(), headers=world["colleague"]),
                             403)
    with client.application.test_request_context(), force_locale("fr"):
        assert refused["detail"] == message_for("pledge_owners_only")  # the service's words, in the user's language
    assert_problem(client.put(f"{API}/pledges/current", json=pledge_body(), headers=world["supplier"]), 403)
    assert_problem(client.get(f"{API}/pledges", headers=world["supplier"]), 403)
    assert count(client.application, CommitmentRevision) == 2


def test_the_operator_reads_every_pledge(client, world):
    listed = client.get(f"{API}/pledges", headers=world["operator"])
    assert listed.status_code == 200
    assert sorted(p["organisation"]["name"] for p in listed.get_json()) == ["Assurances Carnot", "Banque Fontenoy"]
    one = client.get(f"{API}/pledges?organisation={world['other_id']}", headers=world["operator"]).get_json()
    assert [p["organisation"]["name"] for p in one] == ["Assurances Carnot"]
    # a member only ever reads its own
    assert [p["organisation"]["name"] for p in client.get(
        f"{API}/pledges?organisation={world['other_id']}", headers=world["owner"]).get_json()] == ["Banque Fontenoy"]


# --- purchases ------------------------------------------------------------------------------------


def form(**changes) -> dict:
    data = {
        "supplier_name": "Quantix Labs", "supplier_country": "FR", "supplier_siren": OFF_PLATFORM_SIREN,
        "declared_class": "startup", "amount_cents": "18500050", "currency": "EUR", "purchased_on": "2025-06-30",
        "category_code": "ai.llm", "description": "Licences of the document assistant for two departments.",
        "disclose_amount": "true",
    }
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    if "evidence" not in data:
        data["evidence"] = (io.BytesIO(PDF), "bon-de-commande.pdf")
    return data


def declare(client, headers, **changes):
    return client.post(f"{API}/purchases", data=form(**changes), headers=headers, content_type="multipart/form-data")


def test_a_member_declares_a_purchase_with_its_evidence_and_finds_it_in_its_list(client, world):
    response = declare(client, world["colleague"])
    assert response.status_code == 201, response.get_data(as_text=True)
    purchase = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/purchases/{purchase['id']}")
    assert response.headers["ETag"]
    assert purchase["kind"] == "declared" and purchase["status"] == "declared" and purchase["may_change"]
    assert purchase["amount"] == {"amount_cents": 18_500_050, "currency": "EUR"}
    assert purchase["supplier"] == {"id": None, "name": "Quantix Labs", "siren": OFF_PLATFORM_SIREN,
                                    "vat_number": None, "country": "FR"}
    assert purchase["evidence"] == {"filename": "bon-de-commande.pdf"}
    verdict = purchase["eligibility"]
    assert verdict["counts"] is True and verdict["rule"] == "fr_startups_innovative_smes"
    assert verdict["supplier_class"] == "startup" and verdict["geography"] == "fr" and verdict["reason"]

    # a supplier on Tremplin, by its SIREN; an SME outside France does not count
    on_platform = declare(client, world["owner"], supplier=world["startup_siren"], supplier_name=None,
                          supplier_country=None, supplier_siren=None, declared_class=None, amount_cents="700000")
    assert on_platform.status_code == 201, on_platform.get_data(as_text=True)
    assert on_platform.get_json()["supplier"]["name"] == "Orbinova IA"
    abroad = declare(client, world["owner"], supplier_name="Quanten GmbH", supplier_country="DE", supplier_siren=None,
                     declared_class="sme", amount_cents="900000")
    assert abroad.status_code == 201, abroad.get_data(as_text=True)
    assert abroad.get_json()["eligibility"]["counts"] is False

    listed = client.get(f"{API}/purchases?sort=amount", headers=world["owner"])
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "3"
    assert [p["amount"]["amount_cents"] for p in listed.get_json()] == [700_000, 900_000, 18_500_050]
    page = client.get(f"{API}/purchases?per_page=1&page=2&sort=-amount", headers=world["owner"])
    assert [p["amount"]["amount_cents"] for p in page.get_json()] == [900_000]
    assert 'rel="next"' in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]
    assert client.get(f"{API}/purchases?status=verified", headers=world["owner"]).get_json() == []
    assert client.get(f"{API}/purchases?kind=award", headers=world["owner"]).get_json() == []
    one = client.get(f"{API}/purchases/{purchase['id']}", headers=world["owner"])
    assert one.status_code == 200 and one.headers["ETag"] == response.headers["ETag"]


def test_an_award_on_tremplin_is_listed_with_its_need(client, world):
    with client.application.app_context():
        member = db.session.get(Organisation, world["member_id"])
        purchase = awarded(member, member.memberships[0].user, amount_eur=120_000)
        reference = purchase.award.need.reference
    listed = client.get(f"{API}/purchases?kind=award", headers=world["owner"]).get_json()
    assert [(p["kind"], p["status"], p["need"], p["may_change"]) for p in listed] == [
        ("award", "verified", reference, False)]


def test_a_bad_declaration_is_422_with_field_errors_and_stores_nothing(client, world, upload_root):
    errors = assert_problem(declare(client, world["owner"], amount_cents="-5", purchased_on="2999-01-01",
                                    category_code="nope", evidence=None, supplier_siren="123"), 422)["errors"]
    assert {"amount_cents", "purchased_on", "category_code", "supplier_siren"} <= set(errors)
    errors = assert_problem(declare(client, world["owner"], evidence=(io.BytesIO(b""), "")), 422)["errors"]
    assert set(errors) == {"evidence"}
    errors = assert_problem(declare(client, world["owner"], purchased_on="30 juin", declared_class="giant"),
                            422)["errors"]
    assert set(errors) == {"purchased_on", "declared_class"}
    assert count(client.application, Purchase) == 1  # the other member's only
    assert not upload_root.exists() or not any(p.is_file() for p in upload_root.rglob("*"))


def test_a_retry_with_the_same_idempotency_key_declares_nothing_more(client, world):
    key = {"Idempotency-Key": "declare-2025-06-30"}
    first = declare(client, {**world["owner"], **key})
    assert first.status_code == 201
    again = declare(client, {**world["owner"], **key})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(client.application, Purchase) == 2
    other_body = declare(client, {**world["owner"], **key}, amount_cents="100000")
    assert "Idempotency-Key" in assert_problem(other_body, 409)["detail"]
    # without a key, the same purchase again is a double declaration
    assert_problem(declare(client, world["owner"]), 409)
    assert count(client.application, Purchase) == 2


def test_a_declaration_changes_with_if_match_until_the_operator_decides(client, world):
    created = declare(client, world["colleague"])
    purchase_id, etag = created.get_json()["id"], created.headers["ETag"]
    url = f"{API}/purchases/{purchase_id}"

    assert_problem(client.patch(url, json={"amount_cents": 19_000_000}, headers=world["colleague"]), 428)
    changed = client.patch(url, json={"amount_cents": 19_000_000, "secnumcloud": True},
                           headers={**world["colleague"], "If-Match": etag})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    body = changed.get_json()
    assert body["amount"]["amount_cents"] == 19_000_000 and body["secnumcloud"] is True
    assert body["supplier"]["name"] == "Quantix Labs" and body["evidence"] == {"filename": "bon-de-commande.pdf"}
    assert_problem(client.patch(url, json={"amount_cents": 1}, headers={**world["colleague"], "If-Match": etag}),
                   412)
    new_etag = changed.headers["ETag"]
    errors = assert_problem(client.patch(url, json={"description": ""},
                                         headers={**world["colleague"], "If-Match": new_etag}), 422)["errors"]
    assert set(errors) == {"description"}
    errors = assert_problem(client.patch(url, json={"amount_cents": "many"},
                                         headers={**world["colleague"], "If-Match": new_etag}), 422)["errors"]
    assert set(errors) == {"amount_cents"}

    # the operator verifies it: it can no longer change nor be withdrawn
    with client.application.app_context():
        services.verify_purchase(db.session.get(Purchase, purchase_id), by=make_operator())
        commit()
    assert_problem(client.patch(url, json={"amount_cents": 1}, headers={**world["colleague"], "If-Match": new_etag}),
                   409)
    assert_problem(client.post(f"{url}/withdraw", headers=world["colleague"]), 409)
    assert client.get(url, headers=world["owner"]).get_json()["status"] == "verified"


def test_a_declaration_is_withdrawn_by_its_declarer_or_an_owner_only(client, world):
    created = declare(client, world["owner"])
    url = f"{API}/purchases/{created.get_json()['id']}"
    assert_problem(client.post(f"{url}/withdraw", headers=world["colleague"]), 403)  # not the declarer
    assert_problem(client.patch(url, json={"amount_cents": 1}, headers={**world["colleague"], "If-Match": "*"}), 403)
    assert_problem(client.post(f"{url}/withdraw", headers={**world["owner"], "If-Match": '"stale"'}), 412)
    withdrawn = client.post(f"{url}/withdraw", headers={**world["owner"], "If-Match": created.headers["ETag"]})
    assert withdrawn.status_code == 204
    assert_problem(client.get(url, headers=world["owner"]), 404)


def test_purchases_are_only_their_buyers_and_the_operators(client, world):
    theirs = f"{API}/purchases/{world['theirs']}"
    assert_problem(client.get(f"{API}/purchases"), 401)
    assert_problem(client.get(theirs, headers=world["owner"]), 404)  # another member's: as if absent
    assert_problem(client.patch(theirs, json={"amount_cents": 1}, headers={**world["owner"], "If-Match": "*"}), 404)
    assert_problem(client.post(f"{theirs}/withdraw", headers=world["owner"]), 404)
    assert_problem(client.get(f"{API}/purchases", headers=world["supplier"]), 403)
    assert_problem(declare(client, world["supplier"]), 403)
    assert_problem(declare(client, world["owner_read"]), 403)
    assert_problem(declare(client, world["newcomer"]), 403)  # not an alliance member yet: pledge first
    assert client.get(f"{API}/purchases", headers=world["owner"]).get_json() == []

    seen = client.get(theirs, headers=world["operator"])
    assert seen.status_code == 200 and seen.get_json()["may_change"] is False
    everything = client.get(f"{API}/purchases?organisation={world['other_id']}", headers=world["operator"])
    assert [p["id"] for p in everything.get_json()] == [world["theirs"]]
    assert_problem(client.post(f"{theirs}/withdraw", headers=world["operator"]), 403)
    assert count(client.application, Purchase) == 1


# --- figures ---------------------------------------------------------------------------------------


def test_a_member_reads_its_own_figures_and_others_the_public_ones(client, world):
    with client.application.app_context():
        member = db.session.get(Organisation, world["member_id"])
        declared(member, 4_000_000, status="verified")
        declared(member, 3_000_000, status="verified", country="DE", cls="sme")
        db.session.commit()

    mine = client.get(f"{API}/commitment/summary", headers=world["colleague"])
    assert mine.status_code == 200, mine.get_data(as_text=True)
    body = mine.get_json()
    assert body["audience"] == "member" and body["alliance"]["min_cell"] is None
    assert body["alliance"]["verified"] == {"amount_cents": 4_000_000, "currency": "EUR"}
    assert body["alliance"]["pledgers"] == 2 and body["programme"]["rule"]["code"] == "fr_startups_innovative_smes"
    assert body["member"]["organisation"]["name"] == "Banque Fontenoy"
    assert body["member"]["verified"]["amount_cents"] == 4_000_000
    assert body["member"]["verified_all"]["amount_cents"] == 7_000_000
    assert body["member"]["pledged"]["amount_cents"] == 5_000_000_000
    assert_problem(client.get(f"{API}/commitment/summary?organisation={world['other_id']}",
                              headers=world["owner"]), 404)

    public = client.get(f"{API}/commitment/summary", headers=world["supplier"]).get_json()
    assert public["audience"] == "public" and public["member"] is None
    assert public["alliance"]["min_cell"] == 3 and public["alliance"]["verified"] is None  # one purchase: hidden
    assert_problem(client.get(f"{API}/commitment/summary?organisation={world['member_id']}",
                              headers=world["supplier"]), 404)

    operator = client.get(f"{API}/commitment/summary?organisation={world['member_id']}", headers=world["operator"])
    assert operator.get_json()["audience"] == "operator"
    assert operator.get_json()["member"]["verified"]["amount_cents"] == 4_000_000
    assert client.get(f"{API}/commitment/summary", headers=world["operator"]).get_json()["member"] is None
    assert_problem(client.get(f"{API}/commitment/summary"), 401)

