from __future__ import annotations

import pytest

from app.accounts.models import Role
from tests.factories import make_member, make_operator, make_org


@pytest.fixture()
def people(client, app):
    """A buyer's owner, another buyer, a member of the first buyer (ambassador), the operator."""
    from app.extensions import db

    with app.app_context():
        buyer, owner = make_org("corporate", name="Groupe Importateur")
        other_buyer, other = make_org("corporate", name="Groupe Voisin")
        ambassador = make_member(buyer, role=Role.AMBASSADOR)
        operator = make_operator()
        db.session.commit()
        return {"buyer_id": buyer.id, "owner": owner.email, "owner_id": owner.id, "other": other.email,
                "ambassador": ambassador.email, "operator": operator.email}
