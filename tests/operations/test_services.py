"""Operations run as jobs: progress committed as they go (seen from another connection), the
work itself in one transaction, failures said plainly with nothing changed, each run once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.events import commit
from app.extensions import db
from app.needs import importer
from app.operations.files import store_bytes
from app.operations.models import Operation, OperationKind, OperationStatus
from app.operations.services import run_operation, start_operation
from tests.factories import make_need, make_operator, make_org
from tests.operations.helpers import committed_progress, import_csv, needs_count, watching_progress


@pytest.fixture()
def ctx(app_ctx):
    with app_ctx.test_request_context("/?lang=en"):
        yield app_ctx


@pytest.fixture()
def buyer(ctx):
    return make_org("corporate", name="Groupe Importateur")


def start_import(buyer, data: bytes, *, mode: str = "all_or_nothing", dry_run: bool = False) -> int:
    """Start an import operation as the page does; with inline jobs it runs at the commit."""
    organisation, user = buyer
    operation = start_operation(OperationKind.NEEDS_IMPORT, owner=user, organisation=organisation,
                                params={"storage_key": store_bytes(data), "format": "csv", "mode": mode,
                                        "dry_run": dry_run, "publish": False, "filename": "export.csv"})
    commit()
    return operation.id


def reloaded(operation_id: int) -> Operation:
    db.session.expire_all()
    return db.session.get(Operation, operation_id)


def test_an_import_commits_its_progress_as_it_checks_rows_and_imports_in_one_transaction(buyer):
    needs_seen_meanwhile = []

    def needs_from_another_connection(operation_id, **_counts):
        with db.engine.connect() as connection:
            needs_seen_meanwhile.append(connection.scalar(text("SELECT count(*) FROM needs")))
            connection.rollback()

    from app.operations.progress import progress_committed

    with watching_progress() as seen, progress_committed.connected_to(needs_from_another_connection):
        operation_id = start_import(buyer, import_csv(120))

    operation = reloaded(operation_id)
    assert operation.status == OperationStatus.DONE and operation.done == operation.total == 120
    assert operation.percent == 100 and operation.started_at and operation.finished_at >= operation.started_at
    assert operation.result["report"]["counts"] == {"rows": 120, "valid": 120, "invalid": 0, "imported": 120}
    assert needs_count() == 120

    checking = [done for status, done, total, message in seen if message == "Checking the rows"]
    assert checking == [0, 25, 50, 75, 100, 120]  # every batch of rows, committed and visible
    assert all(status == "running" for status, *_ in seen)
    writing = [(done, total) for _status, done, total, message in seen if message == "Creating the needs"]
    assert writing[0] == (0, 120)
    if db.engine.dialect.name == "postgresql":  # SQLite keeps one writer: counts wait for the end there
        assert [done for done, _total in writing] == [0, 25, 50, 75, 100, 120]
    assert set(needs_seen_meanwhile) == {0}  # the needs appear all at once, at the end


def test_an_invalid_row_fails_the_import_with_the_report_and_imports_nothing(buyer):
    with watching_progress() as seen:
        operation_id = start_import(buyer, import_csv(60, invalid=(40,)))
    operation = reloaded(operation_id)
    assert operation.status == OperationStatus.FAILED
    assert operation.message.startswith("Some rows are invalid: nothing was imported.")
    report = operation.result["report"]
    assert report["counts"] == {"rows": 60, "valid": 59, "invalid": 1, "imported": 0}
    assert report["errors"][0]["row"] == 40 and "title" in report["errors"][0]["errors"]
    assert needs_count() == 0
    assert seen[-1][1:3] == (60, 60)  # every row was checked


def test_the_valid_rows_only_mode_imports_the_others_and_reports_the_invalid_ones(buyer):
    operation = reloaded(start_import(buyer, import_csv(60, invalid=(3, 59)), mode="valid_only"))
    assert operation.status == OperationStatus.DONE
    assert operation.result["report"]["counts"]["imported"] == 58
    assert [e["row"] for e in operation.result["report"]["errors"]] == [3, 59]
    assert needs_count() == 58


def test_an_unexpected_error_half_way_fails_the_operation_and_leaves_nothing_half_done(buyer, monkeypatch):
    from app.needs import services

    real, calls = services.create_need, []

    def breaking(**kwargs):
        calls.append(1)
        if len(calls) == 30:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "create_need", breaking)
    operation = reloaded(start_import(buyer, import_csv(60)))
    assert operation.status == OperationStatus.FAILED
    assert "unexpected error" in operation.message and "changed nothing" in operation.message
    assert "disk full" not in operation.message  # no internals shown
    assert needs_count() == 0 and len(calls) == 30


def test_a_file_gone_or_unreadable_fails_with_a_clear_message(buyer):
    operation = reloaded(start_import(buyer, b"title;colour\nA;blue\n"))
    assert operation.status == OperationStatus.FAILED and "colour" in operation.message


def test_a_dry_run_reports_and_writes_nothing(buyer):
    operation = reloaded(start_import(buyer, import_csv(60), dry_run=True))
    assert operation.status == OperationStatus.DONE and operation.result["report"]["dry_run"] is True
    assert operation.result["report"]["counts"]["valid"] == 60 and needs_count() == 0


def test_an_operation_runs_once_even_if_its_job_comes_twice(buyer):
    operation_id = start_import(buyer, import_csv(5))
    assert reloaded(operation_id).status == OperationStatus.DONE
    assert run_operation(operation_id) is False  # already claimed: nothing imported twice
    assert needs_count() == 5


def test_someone_no_longer_allowed_to_post_needs_imports_nothing(buyer):
    organisation, user = buyer
    user.memberships[0].role = "ambassador"
    db.session.commit()
    operation = reloaded(start_import(buyer, import_csv(5)))
    assert operation.status == OperationStatus.FAILED and "no longer post needs" in operation.message
    assert needs_count() == 0


def test_the_api_import_shares_the_importer_and_still_answers_at_once(buyer):
    organisation, user = buyer
    rows = importer.parse_file(import_csv(3), "csv")
    report = importer.import_needs(rows, buyer=organisation, by=user, file_format="csv")
    assert len(report.imported) == 3  # no progress callback needed


def test_a_reindex_counts_documents_indexed_of_the_total(ctx):
    operator = make_operator()
    buyer, _ = make_org("administration", verified=True)
    for n in range(3):
        make_need(buyer, title=f"Besoin {n}")
    for n in range(2):
        make_org("startup", name=f"Jeune pousse {n}", verified=True)
    db.session.commit()
    suppliers = db.session.scalar(select(func.count()).select_from(
        select(1).where(text("kind IN ('startup', 'sme')")).select_from(text("organisations")).subquery()))
    with watching_progress() as seen:
        operation = start_operation(OperationKind.REINDEX, owner=operator, params={"which": "all"})
        commit()
    operation = reloaded(operation.id)
    assert operation.status == OperationStatus.DONE
    assert operation.result["counts"] == {"needs": 3, "suppliers": suppliers}
    assert operation.total == 3 + suppliers and operation.done == operation.total
    assert seen[0][1:4] == (0, 3 + suppliers, "Indexing the documents")
    assert seen[-1][1] == 3 + suppliers


def test_only_the_operator_may_reindex_even_by_a_forged_operation(buyer):
    organisation, user = buyer
    operation = start_operation(OperationKind.REINDEX, owner=user, organisation=organisation)
    commit()
    operation = reloaded(operation.id)
    assert operation.status == OperationStatus.FAILED and "operator" in operation.message


def test_progress_is_visible_while_the_operation_is_queued(buyer):
    organisation, user = buyer
    operation = Operation(kind=OperationKind.NEEDS_IMPORT, owner_id=user.id, organisation_id=organisation.id,
                          total=10)
    db.session.add(operation)
    db.session.commit()  # no event: nothing runs it
    assert committed_progress(operation.id) == ("queued", 0, 10, None)
    assert operation.percent == 0 and not operation.finished


def test_an_operation_whose_worker_died_is_marked_failed_by_the_periodic_job(ctx, buyer):
    from datetime import timedelta

    from app.db import utcnow
    from notifications.periodic import run_periodic

    organisation, user = buyer
    now = utcnow()
    rows = {}
    for name, started in (("dead", now - timedelta(hours=2)), ("alive", now - timedelta(minutes=5))):
        operation = Operation(kind=OperationKind.NEEDS_IMPORT, owner_id=user.id, organisation_id=organisation.id,
                              status=OperationStatus.RUNNING, started_at=started, locale="en", done=10, total=60)
        db.session.add(operation)
        db.session.flush()
        rows[name] = operation.id
    db.session.commit()

    assert run_periodic("operations-interrupted", now=now) == 1
    dead, alive = reloaded(rows["dead"]), reloaded(rows["alive"])
    assert dead.status == OperationStatus.FAILED and dead.finished_at is not None
    assert dead.message.startswith("The operation was interrupted") and "changed nothing" in dead.message
    assert alive.status == OperationStatus.RUNNING and alive.message is None
    assert run_periodic("operations-interrupted", now=now) == 0  # once only
