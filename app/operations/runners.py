"""What each kind of operation does in its job. Each runner works in the job's one
transaction, reports its progress, and returns the result to keep (or raises
``OperationFailed`` with a message for the user: nothing is changed)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import Membership, User
from app.extensions import db
from app.operations.progress import Progress
from app.operations.services import OperationFailed, OperationInput

EXPORT_PROGRESS_EVERY = 500  # lines between two progress writes of an export


def _owner(given: OperationInput) -> User:
    user = db.session.get(User, given.owner_id)
    if user is None or not user.active:
        raise OperationFailed(_("The account that started this operation is closed."))
    return user


def _membership(user: User, organisation_id: int | None) -> Membership | None:
    if organisation_id is None:
        return None
    return next((m for m in user.memberships if m.organisation_id == organisation_id), None)


# --- needs import ------------------------------------------------------------------------------

def run_needs_import(given: OperationInput, progress: Progress) -> dict:
    """Read the stored upload, check every row, then import (same rules as the page and the API)."""
    from app.needs import importer, policy
    from app.operations.files import read_stored

    user = _owner(given)
    membership = _membership(user, given.organisation_id)
    if membership is None or not policy.can_post_need(policy.Viewer.of(user, membership)):
        raise OperationFailed(_("You may no longer post needs for this organisation: nothing was imported."))
    params = given.params
    try:
        rows = importer.parse_file(read_stored(params["storage_key"]), params["format"])
    except importer.ImportFileError as exc:
        raise OperationFailed(exc.message) from None
    except FileNotFoundError:
        raise OperationFailed(_("The uploaded file is no longer available: send it again.")) from None

    def report_progress(phase: str, done: int, total: int) -> None:
        if phase == "check" and done == 0:
            progress.step(_("Checking the rows"), total=total)
        elif phase == "write" and done == 0:
            progress.step(_("Creating the needs"), total=total)
            progress.hold()  # from here the transaction writes
        else:
            progress.advance(done)

    report = importer.import_needs(
        rows, buyer=membership.organisation, by=user, file_format=params["format"], mode=params["mode"],
        dry_run=bool(params.get("dry_run")), publish=bool(params.get("publish")), progress=report_progress)
    result = {"report": report.as_dict(), "filename": params.get("filename")}
    if report.rejected:
        raise OperationFailed(_("Some rows are invalid: nothing was imported. Correct them, or choose to "
                                "import the valid rows only."), result=result)
    return result


# --- exports -----------------------------------------------------------------------------------

def run_export(given: OperationInput, progress: Progress) -> dict:
    """Write a CSV table of the commitment tracker to a file, for the owner to download."""
    from app.accounts.policy import is_operator
    from app.commitments import exports
    from app.commitments.dashboard_policy import reader_of
    from app.commitments.stats import Programme
    from app.db import utcnow
    from app.main.filters import PARIS
    from app.operations.files import store_chunks

    params = given.params
    if params.get("export") != "commitments":
        raise OperationFailed(_("This kind of export does not exist."))
    user = _owner(given)
    membership = _membership(user, given.organisation_id)
    if membership is None and given.organisation_id is not None and not is_operator(user):
        raise OperationFailed(_("You may no longer export this table."))
    reader = reader_of(user, membership)
    today = utcnow().astimezone(PARIS).date()
    try:
        table = exports.table_for(reader, params["table"], organisation=params.get("organisation"),
                                  programme=Programme.from_config(), today=today, counted=True)
    except exports.ExportRefused:
        raise OperationFailed(_("You may no longer export this table.")) from None
    progress.step(_("Writing the lines"), total=table.total)

    def counted(rows):
        count = 0
        for count, row in enumerate(rows, start=1):  # noqa: B007 - the count outlives the loop
            yield row
            if count % EXPORT_PROGRESS_EVERY == 0:
                progress.advance(count)
        progress.advance(count)

    chunks = (text.encode("utf-8") for text in exports.csv_lines(table.header, counted(table.rows)))
    storage_key, size = store_chunks(chunks)
    name = table.filename(today)
    return {"rows": progress.done, "file": {"storage_key": storage_key, "filename": f"{name}.csv",
                                            "content_type": "text/csv", "size_bytes": size}}


# --- search reindex ----------------------------------------------------------------------------

def run_reindex(given: OperationInput, progress: Progress) -> dict:
    """Rebuild the search indexes (built aside, then swapped in), counting documents."""
    from app.accounts.policy import is_operator
    from app.matching.indexing import reindex, reindex_totals

    if not is_operator(_owner(given)):
        raise OperationFailed(_("Only the operator rebuilds the search index."))
    which = given.params.get("which", "all")
    totals = reindex_totals(which)
    progress.step(_("Indexing the documents"), total=sum(totals.values()))
    before: dict[str, int] = {}

    def advanced(name: str, done: int) -> None:
        before[name] = done
        progress.advance(sum(before.values()))

    counts = reindex(which, progress=advanced)
    return {"counts": counts}
