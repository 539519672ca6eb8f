"""Every creation through the API takes an Idempotency-Key: a retry with the same key and
body creates nothing more and answers the same thing (200, Idempotent-Replayed); the same
key with another body is a 409 that changes nothing.

Needs, bids, questions, awards, solutions, purchases and imports have their own tests
next to their resources; these are the saved searches, invitations and certifications.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.alerts.models import SavedSearch
from app.extensions import db
from app.needs.models import Invitation
from app.suppliers.models import Certification
from tests.api.helpers import bearer
from tests.factories import make_need, make_org


@pytest.fixture()
def world(app):
    with app.app_context():
        buyer, buyer_user = make_org("administration", verified=True)
        supplier, supplier_user = make_org("startup", verified=True)
        other, _ = make_org("sme", verified=True)
        need = make_need(buyer, visibility="invitation")
        return {
            "buyer": bearer(buyer_user, buyer, "read", "write"),
            "supplier": bearer(supplier_user, supplier, "read", "write"),
            "need": need.reference, "supplier_slug": supplier.slug, "other_slug": other.slug,
        }


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


CASES = {
    "saved search": ("supplier", lambda w: "/api/v1/saved-searches", SavedSearch,
                     lambda w: {"name": "Cybersécurité", "q": "cyber", "frequency": "daily"},
                     lambda w: {"name": "Cloud", "q": "cloud", "frequency": "daily"}),
    "invitation": ("buyer", lambda w: f"/api/v1/needs/{w['need']}/invitations", Invitation,
                   lambda w: {"supplier_slug": w["supplier_slug"]},
                   lambda w: {"supplier_slug": w["other_slug"]}),
    "certification": ("supplier", lambda w: "/api/v1/suppliers/me/certifications", Certification,
                      lambda w: {"kind": "iso27001", "reference": "ISO-27001-2025"},
                      lambda w: {"kind": "hds", "reference": "HDS-2025"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_retry_with_the_same_key_creates_nothing_more(client, app, world, case):
    who, url, model, first, other = CASES[case]
    headers = {**world[who], "Idempotency-Key": f"{case}-1"}

    created = client.post(url(world), json=first(world), headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert count(app, model) == 1

    retried = client.post(url(world), json=first(world), headers=headers)
    assert retried.status_code == 200, retried.get_data(as_text=True)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_json()["id"] == created.get_json()["id"]
    assert count(app, model) == 1

    reused = client.post(url(world), json=other(world), headers=headers)
    assert reused.status_code == 409 and reused.mimetype == "application/problem+json"
    assert count(app, model) == 1

    # Without a key, or with a new one, another creation goes through.
    fresh = client.post(url(world), json=other(world), headers={**world[who], "Idempotency-Key": f"{case}-2"})
    assert fresh.status_code == 201, fresh.get_data(as_text=True)
    assert count(app, model) == 2


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_key_is_a_400_that_creates_nothing(client, app, world, case):
    who, url, model, first, _other = CASES[case]
    refused = client.post(url(world), json=first(world), headers={**world[who], "Idempotency-Key": "x" * 256})
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert count(app, model) == 0


def test_an_invitation_of_an_id_beyond_the_database_integers_is_a_422(client, app, world):
    response = client.post(f"/api/v1/needs/{world['need']}/invitations", json={"supplier_id": 2**31},
                           headers=world["buyer"])
    assert response.status_code == 422 and "supplier_id" in response.get_json()["errors"]
    assert count(app, Invitation) == 0
