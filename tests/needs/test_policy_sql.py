"""Lists and search use a SQL form of the view rule; it must select exactly the needs
that can_view_need allows, for every role, on the real database."""

import itertools

from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.needs.models import Need, NeedStatus, Visibility
from app.needs.policy import Viewer, can_view_need, visible_needs_clause
from tests.factories import make_member, make_need, make_operator, make_org


def viewer_of(user):
    return Viewer.of(user, user.memberships[0] if user.memberships else None)


def test_the_sql_rule_and_the_python_rule_agree_for_every_role(app_ctx):
    buyer, buyer_owner = make_org("administration", verified=True)
    ambassador = make_member(buyer, role=Role.AMBASSADOR)
    _other, other_buyer = make_org("corporate", verified=True)
    _v, verified = make_org("startup", verified=True)
    _u, unverified = make_org("startup", verified=False)
    invited_org, invited = make_org("sme", verified=False)
    operator = make_operator()
    db.session.commit()
    for status, visibility in itertools.product(NeedStatus, Visibility):
        make_need(buyer, status=status.value, visibility=visibility.value, invited=[invited_org])

    viewers = {
        "anonymous": Viewer.anonymous(),
        "buyer_owner": viewer_of(buyer_owner),
        "ambassador": viewer_of(ambassador),
        "other_buyer": viewer_of(other_buyer),
        "verified_supplier": viewer_of(verified),
        "unverified_supplier": viewer_of(unverified),
        "invited_supplier": viewer_of(invited),
        "operator": Viewer.of(operator),
    }
    needs = db.session.scalars(select(Need)).all()
    assert len(needs) == len(NeedStatus) * len(Visibility)
    for name, viewer in viewers.items():
        by_sql = set(db.session.scalars(select(Need.id).where(visible_needs_clause(viewer))))
        by_python = {n.id for n in needs if can_view_need(viewer, n)}
        assert by_sql == by_python, name
    # and the rule is not trivial: anonymous visitors see only non-draft public needs
    anon = set(db.session.scalars(select(Need.id).where(visible_needs_clause(viewers["anonymous"]))))
    assert anon == {n.id for n in needs if n.visibility == Visibility.PUBLIC and n.status != NeedStatus.DRAFT}
