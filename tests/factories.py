"""Small helpers that build accounts for tests through the real services."""

from __future__ import annotations

import itertools

from stdnum import luhn

from app.accounts.models import OrganisationKind, Role
from app.accounts.services import (
    add_member,
    create_user,
    register_organisation,
    verify_organisation,
)
from app.extensions import db

PASSWORD = "Correct-Horse-42"
_counter = itertools.count(1)


def valid_siren(seed: int) -> str:
    """A SIREN with a correct Luhn checksum, made from a seed."""
    body = f"{(123456 + seed * 7919) % 10**8:08d}"
    return body + luhn.calc_check_digit(body)


def make_org(kind: str | OrganisationKind = "startup", *, name: str | None = None, verified: bool = False,
             email: str | None = None, role: Role = Role.OWNER):
    n = next(_counter)
    reg = register_organisation(
        name=name or f"Organisation {n}",
        kind=kind,
        country="FR",
        siren=valid_siren(n),
        email=email or f"user{n}@example.fr",
        password=PASSWORD,
        full_name=f"User {n}",
    )
    if role != Role.OWNER:
        reg.user.memberships[0].role = role
    if verified:
        verify_organisation(reg.organisation, by=make_operator())
    db.session.commit()
    return reg.organisation, reg.user


def make_operator(email: str | None = None):
    n = next(_counter)
    user = create_user(email=email or f"operator{n}@tremplin.example", password=PASSWORD,
                       full_name=f"Operator {n}", is_operator=True)
    db.session.flush()
    return user


def make_member(organisation, *, role: Role = Role.MEMBER, email: str | None = None):
    n = next(_counter)
    user = create_user(email=email or f"member{n}@example.fr", password=PASSWORD, full_name=f"Member {n}")
    add_member(organisation, user, role=role)
    db.session.commit()
    return user


def login(client, email: str, password: str = PASSWORD, *, follow: bool = False):
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=follow)


def make_need(buyer, *, status: str = "published", visibility: str = "public", deadline_in_days: int = 30,
              route: str | None = None, anonymised: bool = False, sme_set_aside: bool = False,
              sensitive_data: bool = False, sealed_bids: bool = True, title: str | None = None,
              categories: tuple[str, ...] = ("ai.llm",), budget_eur: tuple[int, int] = (150_000, 400_000),
              invited=()):
    """A need of `buyer` in the given state, written directly (the services are tested elsewhere)."""
    from datetime import timedelta

    from app.db import utcnow
    from app.needs.models import CategoryRow, Invitation, Need, NeedStatus

    n = next(_counter)
    now = utcnow()
    status = NeedStatus(status)
    need = Need(
        reference=f"TRP-TEST-{n:04d}",
        buyer_id=buyer.id,
        title=title or f"Need {n}",
        summary=f"Summary of need {n}",
        description=f"Description of need {n}",
        budget_min_cents=budget_eur[0] * 100,
        budget_max_cents=budget_eur[1] * 100,
        route=route or ("public" if buyer.kind.value == "administration" else "private"),
        region="11",
        deadline_at=now + timedelta(days=deadline_in_days),
        visibility=visibility,
        anonymised=anonymised,
        anonymous_label="une banque du CAC 40" if anonymised else None,
        status=status,
        sme_set_aside=sme_set_aside,
        sensitive_data=sensitive_data,
        requires_secnumcloud=sensitive_data,
        sealed_bids=sealed_bids or (route or "").startswith("public") or buyer.kind.value == "administration",
        reuse_checked=True,
        off_the_shelf_sought=True,
    )
    if status != NeedStatus.DRAFT:
        need.published_at = now - timedelta(days=40)
    if status in (NeedStatus.CLOSED, NeedStatus.AWARDED, NeedStatus.UNSUCCESSFUL):
        need.deadline_at = now - timedelta(days=max(1, -deadline_in_days if deadline_in_days < 0 else 1))
        need.closed_at = need.deadline_at
    need.categories = [db.session.get(CategoryRow, code) for code in categories]
    db.session.add(need)
    db.session.flush()
    for supplier in invited:
        db.session.add(Invitation(need_id=need.id, supplier_id=supplier.id))
    db.session.commit()
    # In the product the outbox indexes a need after commit; here it is written directly.
    from app.matching.indexing import index_need

    index_need(need.id)
    return need


def make_bid(need, supplier, *, status: str = "submitted", price_eur: int = 200_000, user=None):
    from app.bids.models import Bid, BidStatus
    from app.db import utcnow

    status = BidStatus(status)
    bid = Bid(
        need_id=need.id,
        supplier_id=supplier.id,
        submitted_by_id=getattr(user, "id", None),
        status=status,
        price_cents=price_eur * 100,
        summary=f"Offer of {supplier.name}",
        proposal="Our proposal.",
        submitted_at=None if status == BidStatus.DRAFT else utcnow(),
    )
    db.session.add(bid)
    db.session.commit()
    return bid
