from sqlalchemy import func, select

from app.extensions import db
from app.models import CategoryRow, Organisation
from tests.factories import make_org


def test_migrated_database_has_the_taxonomy(app_ctx):
    from app.needs.taxonomy import ALL

    codes = set(db.session.scalars(select(CategoryRow.code)))
    assert codes == {c.code for c in ALL}


def test_registering_creates_an_owned_unverified_organisation(app_ctx):
    org, user = make_org("startup", name="Mistral Data")
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    assert user.memberships[0].organisation.name == "Mistral Data"
    assert not org.is_verified
