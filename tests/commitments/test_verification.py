"""The operator's verification: once per purchase, a reason for every rejection, the buyer's
people told when a purchase counts, and nobody else deciding."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts.models import Role
from app.alerts.models import Notification
from app.bids.awards import award_bids
from app.commitments import services
from app.commitments.messages import CommitmentError
from app.commitments.models import Purchase, PurchaseStatus
from app.events import commit
from app.extensions import db
from tests.bids.helpers import viewer
from tests.commitments.helpers import alliance_member, audits, declare, events, operator
from tests.factories import login, make_bid, make_member, make_need, make_org

pytestmark = pytest.mark.usefixtures("upload_root")


def notified(kind: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_a_verified_purchase_counts_and_the_buyers_people_are_told(app_ctx):
    buyer, owner = alliance_member()
    member = make_member(buyer)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    outsider_org, outsider = make_org("corporate", verified=True)
    purchase = declare(buyer, member)
    checker = operator()
    services.verify_purchase(purchase, by=checker)
    commit()
    assert purchase.status == PurchaseStatus.VERIFIED
    assert purchase.verified_by_id == checker.id and purchase.verified_at is not None
    assert events("purchase.verified")[0].payload == {"purchase_id": purchase.id}
    assert audits("purchase.verified")[0].actor_id == checker.id
    assert notified("purchase_verified") == {owner.id, member.id, ambassador.id}
    assert outsider.id not in notified("purchase_verified")


def test_a_rejection_needs_a_reason_which_the_buyer_reads(app_ctx):
    buyer, owner = alliance_member()
    purchase = declare(buyer, owner)
    checker = operator()
    for reason in (None, "", "   "):
        with pytest.raises(CommitmentError) as caught:
            services.reject_purchase(purchase, by=checker, reason=reason)
        assert caught.value.field == "reason" and caught.value.code == "reason_required"
        db.session.rollback()
    assert db.session.get(Purchase, purchase.id).status == PurchaseStatus.DECLARED
    assert events("purchase.rejected") == []
    services.reject_purchase(purchase, by=checker, reason="Le justificatif ne mentionne pas le fournisseur.")
    commit()
    assert purchase.status == PurchaseStatus.REJECTED
    assert purchase.rejection_reason == "Le justificatif ne mentionne pas le fournisseur."
    assert events("purchase.rejected")[0].payload["purchase_id"] == purchase.id
    assert audits("purchase.rejected")[0].details["reason"].startswith("Le justificatif")
    assert notified("purchase_verified") == set()


@pytest.mark.parametrize(("first", "then", "code"), [
    ("verify", "verify", "already_verified"),
    ("verify", "reject", "already_verified"),
    ("reject", "verify", "already_rejected"),
    ("reject", "reject", "already_rejected"),
])
def test_a_decided_purchase_is_not_decided_twice(app_ctx, first, then, code):
    buyer, owner = alliance_member()
    purchase = declare(buyer, owner)
    checker = operator()
    decide = {"verify": lambda: services.verify_purchase(purchase, by=checker),
              "reject": lambda: services.reject_purchase(purchase, by=checker, reason="Hors périmètre.")}
    decide[first]()
    commit()
    status = purchase.status
    with pytest.raises(CommitmentError) as caught, force_locale("en"):
        decide[then]()
    assert caught.value.code == code
    with force_locale("en"):
        assert "a decision is not taken twice" in caught.value.message
    db.session.rollback()
    assert db.session.get(Purchase, purchase.id).status == status
    assert len(events("purchase.verified")) + len(events("purchase.rejected")) == 1


def test_a_purchase_awarded_on_tremplin_needs_no_verification(app_ctx):
    buyer, owner = alliance_member()
    supplier_org, _ = make_org("startup", verified=True)
    need = make_need(buyer, status="closed")
    bid = make_bid(need, supplier_org)
    [result] = award_bids(need, {bid.id: "250 000"}, viewer=viewer(owner))
    commit()
    with pytest.raises(CommitmentError) as caught:
        services.verify_purchase(result.purchase, by=operator())
    assert caught.value.code == "already_verified"


def test_only_the_operator_decides(app_ctx):
    buyer, owner = alliance_member()
    purchase = declare(buyer, owner)
    for user in (owner, make_member(buyer)):
        with pytest.raises(CommitmentError) as caught:
            services.verify_purchase(purchase, by=user)
        assert caught.value.code == "operator_only"
        with pytest.raises(CommitmentError):
            services.reject_purchase(purchase, by=user, reason="Non.")
    db.session.rollback()
    assert db.session.get(Purchase, purchase.id).status == PurchaseStatus.DECLARED


# --- the queue ----------------------------------------------------------------------------------


@pytest.fixture()
def queue(client, app):
    """Two declarations waiting (the older first), the operator signed in, in English."""
    with app.app_context():
        buyer, owner = alliance_member("Banque Fontenoy")
        other, other_owner = alliance_member("Mutuelle du Ponant")
        older = declare(buyer, owner, supplier_name="Quantix Labs")
        newer = declare(other, other_owner, supplier_name="Nimbus Hexagone", amount_euros="990 000")
        operator_user = operator()
        ids = {"older": older.id, "newer": newer.id, "buyer_owner": owner.email, "operator": operator_user.email}
    client.get("/lang/en")
    return ids


def test_the_queue_lists_declarations_oldest_first_with_what_the_operator_checks(client, queue):
    login(client, queue["operator"])
    page = client.get("/commitment/operator/purchases").get_data(as_text=True)
    assert page.index(f'data-purchase-id="{queue["older"]}"') < page.index(f'data-purchase-id="{queue["newer"]}"')
    for shown in ("Banque Fontenoy", "Quantix Labs", "€185,000", "Jun 30, 2025", "Large language models (LLM)",
                  "Startup", "bon-de-commande.pdf", "not on Tremplin", "Verify", "Reject…"):
        assert shown in page, shown
    assert f"/commitment/purchases/{queue['older']}/evidence" in page


def test_the_operator_verifies_and_rejects_from_the_queue(client, app, queue):
    login(client, queue["operator"])
    verified = client.post(f"/commitment/operator/purchases/{queue['older']}/verify", follow_redirects=True)
    assert "verified: it counts now" in verified.get_data(as_text=True)
    again = client.post(f"/commitment/operator/purchases/{queue['older']}/verify", follow_redirects=True)
    assert "already verified: a decision is not taken twice" in again.get_data(as_text=True)
    form = client.get(f"/commitment/operator/purchases/{queue['newer']}/reject").get_data(as_text=True)
    assert "Nimbus Hexagone" in form and 'name="reason"' in form
    empty = client.post(f"/commitment/operator/purchases/{queue['newer']}/reject", data={"reason": " "})
    assert empty.status_code == 400
    assert 'id="reason-error"' in empty.get_data(as_text=True)
    assert "Say why the purchase is rejected" in empty.get_data(as_text=True)
    done = client.post(f"/commitment/operator/purchases/{queue['newer']}/reject",
                       data={"reason": "The invoice names another buyer."}, follow_redirects=True)
    assert "No declared purchase is waiting" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Purchase, queue["older"]).status == PurchaseStatus.VERIFIED
        rejected = db.session.get(Purchase, queue["newer"])
        assert rejected.status == PurchaseStatus.REJECTED and rejected.rejection_reason.startswith("The invoice")


def test_people_other_than_the_operator_cannot_verify(client, app, queue):
    login(client, queue["buyer_owner"])
    assert client.get("/commitment/operator/purchases").status_code == 403
    assert client.post(f"/commitment/operator/purchases/{queue['older']}/verify").status_code == 403
    assert client.post(f"/commitment/operator/purchases/{queue['older']}/reject",
                       data={"reason": "Non."}).status_code == 403
    client.post("/logout")
    anonymous = client.post(f"/commitment/operator/purchases/{queue['older']}/verify")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        assert {p.status for p in db.session.scalars(select(Purchase))} == {PurchaseStatus.DECLARED}
