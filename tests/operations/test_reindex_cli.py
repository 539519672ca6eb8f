"""`flask search reindex` prints its progress while it reads documents."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_need, make_org


def test_the_reindex_command_prints_progress_lines_every_n_documents(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    for n in range(5):
        make_need(buyer, title=f"Besoin {n}")
    db.session.commit()
    result = app_ctx.test_cli_runner().invoke(args=["search", "reindex", "needs", "--every", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "needs: 2/5 document(s) read (40%)",
        "needs: 4/5 document(s) read (80%)",
        "needs: 5/5 document(s) read (100%)",
        "needs: 5 document(s) indexed",
    ]
