"""Saved search services: what is kept of a search, and who may keep or change it."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.alerts.models import Frequency
from app.alerts.saved_searches import (
    SavedSearchError,
    SavedSearchNotFound,
    delete_search,
    need_search_of,
    pause_search,
    resume_search,
    save_search,
    searches_of,
    set_frequency,
)
from app.extensions import db
from tests.factories import make_org


def test_the_search_is_kept_cleaned_and_runs_again_the_same(app_ctx):
    org, user = make_org("startup")
    args = MultiDict([("q", "  SOC managé "), ("axis", "cyber"), ("axis", "bogus"), ("axis", "ai"),
                      ("band", "100k-1m"), ("flag", "core"), ("deadline", "someday"), ("page", "3"),
                      ("sort", "relevance"), ("closed", "1")])
    saved = save_search(user, org, name="  SOC   en  région ", args=args, frequency="weekly")
    assert saved.name == "SOC en région"
    assert saved.query == "SOC managé"
    assert saved.filters == {"axis": ["ai", "cyber"], "band": ["100k-1m"], "flag": ["core"], "status": "all"}
    assert saved.frequency == Frequency.WEEKLY
    again = need_search_of(saved.query, saved.filters)
    assert (again.q, set(again.axes), again.bands, again.flags, again.status) == (
        "SOC managé", {"ai", "cyber"}, ("100k-1m",), ("core",), "all")


def test_a_plain_dict_of_lists_is_read_as_a_query_string(app_ctx):
    org, user = make_org("startup")
    saved = save_search(user, org, name="Régions", args={"region": ["53", "84"], "q": "cloud"})
    assert saved.filters == {"region": ["53", "84"]} and saved.query == "cloud"


def test_only_a_member_of_a_supplier_saves_for_it(app_ctx):
    buyer, buyer_user = make_org("administration")
    supplier, _ = make_org("startup")
    for user, org in ((buyer_user, buyer), (buyer_user, supplier)):
        with pytest.raises(SavedSearchError) as refused:
            save_search(user, org, name="Cyber", args={"q": "soc"})
        assert refused.value.code == "not_supplier"
        with app_ctx.test_request_context("/?lang=en"):
            assert "startups and SMEs" in refused.value.message


def test_changes_reach_only_the_owners_searches(app_ctx):
    org, user = make_org("startup")
    other_org, other = make_org("sme")
    mine = save_search(user, org, name="Cyber", args={"q": "soc"})
    theirs = save_search(other, other_org, name="Cloud", args={"q": "cloud"})
    db.session.commit()
    for change in (lambda: pause_search(user, theirs.id), lambda: resume_search(user, theirs.id),
                   lambda: set_frequency(user, theirs.id, "instant"), lambda: delete_search(user, theirs.id)):
        with pytest.raises(SavedSearchNotFound):
            change()
    first = pause_search(user, mine.id).paused_at
    assert pause_search(user, mine.id).paused_at == first  # pausing twice keeps the first time
    assert not resume_search(user, mine.id).paused
    with pytest.raises(SavedSearchError):
        set_frequency(user, mine.id, "hourly")
    assert delete_search(user, mine.id) == "Cyber"
    assert searches_of(user) == [] and [s.name for s in searches_of(other)] == ["Cloud"]
