"""The progress page and its status, the result file, who may see them; the import page
sending large files to an operation; the prepared CSV export; the operator's reindex."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from app.extensions import db
from app.operations.models import Operation, OperationStatus
from tests.commitments.builders import declared, member
from tests.factories import login
from tests.operations.helpers import import_csv, needs_count, upload_import


def operation_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.search(r"/operations/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_a_large_import_goes_to_its_progress_page_which_shows_it_done_with_the_report(app, client, people):
    login(client, people["owner"])
    operation_id = operation_id_of(upload_import(client, import_csv(60)))
    page = client.get(f"/operations/{operation_id}?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<progress id="operation-bar"[^>]*max="60"[^>]*value="60"', html)
    assert "Finished: 60 rows read, 60 needs imported." in html and "Needs imported: 60" in html and "TRP-" in html
    assert "File: export.csv" in html
    assert "<script>" not in html and "style=" not in html  # no inline script or style
    assert "operations.js" not in html  # nothing left to follow
    with app.app_context():
        assert needs_count() == 60
    status = client.get(f"/operations/{operation_id}/status.json?lang=en").get_json()
    assert status == {"id": operation_id, "status": "done", "status_label": "Finished", "finished": True,
                      "done": 60, "total": 60, "percent": 100, "words": "Finished: 60 rows read, 60 needs imported."}


def test_a_small_import_is_still_answered_on_the_page_at_once(app, client, people):
    login(client, people["owner"])
    response = upload_import(client, import_csv(3))
    assert response.status_code == 200 and "Needs imported: 3" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Operation).count() == 0


def test_a_large_import_with_an_invalid_row_fails_and_its_page_shows_the_row(app, client, people):
    login(client, people["owner"])
    operation_id = operation_id_of(upload_import(client, import_csv(80, invalid=(77,))))
    html = client.get(f"/operations/{operation_id}?lang=en").get_data(as_text=True)
    assert "Failed" in html and "nothing was imported" in html
    assert re.search(r'<th scope="row" class="num">77</th>', html)
    with app.app_context():
        assert needs_count() == 0


def test_a_wrong_file_is_refused_on_the_form_before_any_operation(app, client, people):
    login(client, people["owner"])
    response = upload_import(client, b"title;colour\n" + b"A;blue\n" * 80)
    assert response.status_code == 400 and "colour" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Operation).count() == 0


def test_a_running_operation_page_polls_its_status_with_its_own_script(app, client, people):
    with app.app_context():
        operation = Operation(kind="needs_import", owner_id=people["owner_id"], status=OperationStatus.RUNNING,
                              done=30, total=120, message="Checking the rows")
        db.session.add(operation)
        db.session.commit()
        operation_id = operation.id
    login(client, people["owner"])
    html = client.get(f"/operations/{operation_id}?lang=en").get_data(as_text=True)
    assert re.search(r'<progress id="operation-bar"[^>]*max="120" value="30"', html)
    assert 'role="status"' in html and "Checking the rows: 30 of 120 (25%)." in html
    assert f'data-operation-status="/operations/{operation_id}/status.json"' in html
    assert "/static/js/operations.js" in html
    status = client.get(f"/operations/{operation_id}/status.json?lang=en").get_json()
    assert status["percent"] == 25 and status["finished"] is False and status["status_label"] == "In progress"


@pytest.mark.parametrize("who", ["other", "ambassador"])
def test_others_do_not_learn_that_an_operation_exists(app, client, people, who):
    login(client, people["owner"])
    operation_id = operation_id_of(upload_import(client, import_csv(60)))
    client.post("/logout")
    login(client, people[who])
    for path in ("", "/status.json", "/download"):
        assert client.get(f"/operations/{operation_id}{path}").status_code == 404
    assert client.get("/operations/999999").status_code == 404


def test_the_operator_may_follow_any_operation_and_anonymous_visitors_are_sent_to_sign_in(app, client, people):
    login(client, people["owner"])
    operation_id = operation_id_of(upload_import(client, import_csv(60)))
    client.post("/logout")
    assert client.get(f"/operations/{operation_id}").status_code == 302
    login(client, people["operator"])
    assert client.get(f"/operations/{operation_id}").status_code == 200


# --- prepared exports ----------------------------------------------------------------------------

@pytest.fixture()
def alliance(client, app):
    with app.app_context():
        alpha, alpha_owner = member("Alpha Industries", pledge_eur=7_000_000)
        for n in range(12):
            declared(alpha, 1_000_00 + n, supplier=f"Fournisseur {n}", on=date(2025, 3, 1 + n))
        db.session.commit()
        return {"alpha": alpha.id, "email": alpha_owner.email}


def test_a_prepared_export_is_built_in_a_job_and_downloaded_as_an_attachment(app, client, alliance):
    login(client, alliance["email"])
    operation_id = operation_id_of(client.post("/commitment/export/purchases/prepare?lang=en"))
    html = client.get(f"/operations/{operation_id}?lang=en").get_data(as_text=True)
    assert "12 lines, ready to download." in html and "Finished: 12 lines written." in html
    download = client.get(f"/operations/{operation_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment; filename=tremplin-commitment-purchases-")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    body = download.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    direct = client.get("/commitment/export/purchases.csv?lang=en").get_data(as_text=True)
    assert rows == list(csv.reader(io.StringIO(direct[1:]), delimiter=";"))  # the same file as the direct link
    assert len(rows) == 13 and rows[0][0] == "Buyer"


def test_an_export_may_be_prepared_only_by_those_allowed_to_download_it(app, client, alliance, people):
    login(client, people["other"])  # a buyer outside the alliance
    assert client.post("/commitment/export/purchases/prepare").status_code == 403
    assert client.post("/commitment/export/nothing/prepare").status_code == 404
    client.post("/logout")
    login(client, alliance["email"])
    assert client.post(f"/commitment/export/purchases/prepare?organisation={alliance['alpha'] + 1000}"
                       ).status_code == 404
    with app.app_context():
        assert db.session.query(Operation).count() == 0


def test_the_dashboard_offers_to_prepare_the_files(client, alliance):
    login(client, alliance["email"])
    html = client.get("/commitment/?lang=en").get_data(as_text=True)
    assert 'action="/commitment/export/purchases/prepare' in html


# --- reindex -------------------------------------------------------------------------------------

def test_the_operator_rebuilds_the_search_index_after_confirming(app, client, people):
    login(client, people["operator"])
    jobs_page = client.get("/operator/jobs?lang=en").get_data(as_text=True)
    assert 'href="/operations/reindex"' in jobs_page
    confirm = client.get("/operations/reindex?lang=en")
    assert confirm.status_code == 200 and "Yes, rebuild the search index" in confirm.get_data(as_text=True)
    operation_id = operation_id_of(client.post("/operations/reindex"))
    html = client.get(f"/operations/{operation_id}?lang=en").get_data(as_text=True)
    assert "Finished" in html and "Needs: 0" in html and "Suppliers: 0" in html  # buyers are not indexed
    assert f'href="/operations/{operation_id}"' in client.get("/operator/jobs?lang=en").get_data(as_text=True)


def test_nobody_else_may_rebuild_the_search_index(app, client, people):
    login(client, people["owner"])
    assert client.get("/operations/reindex").status_code == 403
    assert client.post("/operations/reindex").status_code == 403
    with app.app_context():
        assert db.session.query(Operation).count() == 0


def test_the_operator_prepares_one_members_purchases_from_its_detail(app, client, alliance, people):
    login(client, people["operator"])
    html = client.get(f"/commitment/?organisation={alliance['alpha']}&lang=en").get_data(as_text=True)
    action = f'action="/commitment/export/purchases/prepare?organisation={alliance["alpha"]}"'
    assert action in html and "Prepare the members file" not in html
    operation_id = operation_id_of(client.post(f"/commitment/export/purchases/prepare?organisation={alliance['alpha']}"))
    download = client.get(f"/operations/{operation_id}/download")
    assert download.status_code == 200 and download.get_data(as_text=True).count("Fournisseur") == 12


def test_the_open_data_page_says_its_files_need_no_preparing(client):
    html = client.get("/open-data/?lang=en").get_data(as_text=True)
    assert "There is nothing to prepare: a download starts at once" in html
