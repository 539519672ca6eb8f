"""`flask search reindex` rebuilds the indexes from the database."""

from app.matching import documents
from app.matching.engine import backend
from tests.factories import make_need, make_org


def test_reindex_rebuilds_from_the_database(app):
    runner = app.test_cli_runner()
    with app.app_context():
        from tests.conftest import _wipe

        _wipe(app)
        buyer, _ = make_org("corporate", verified=True)
        for n in range(3):
            make_need(buyer, title=f"Besoin {n}", route="private")
        backend().drop(documents.NEEDS)  # lost index (new machine, corrupted files...)
        assert backend().count(documents.NEEDS) == 0
    result = runner.invoke(args=["search", "reindex", "needs"])
    assert result.exit_code == 0, result.output
    assert "needs: 3 document(s) indexed" in result.output
    with app.app_context():
        assert backend().count(documents.NEEDS) == 3
