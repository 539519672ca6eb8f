"""The need page as people read it: French typography, a clear deadline, what a draft lacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.needs.models import Amendment, Need
from app.needs.taxonomy import ALL as TAXONOMY
from tests.factories import login, make_need, make_org

NBSP = "\u00a0"


def page(client, url: str, lang: str = "fr") -> str:
    response = client.get(url, query_string={"lang": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture()
def ministry(client, app):
    with app.app_context():
        buyer, _ = make_org("administration", name="Ministère des Essais", email="buyer@min.gouv.fr",
                            verified=True)
        return buyer.id


def need_of(app, ministry: int, **kwargs) -> str:
    from app.accounts.models import Organisation

    with app.app_context():
        return make_need(db.session.get(Organisation, ministry), **kwargs).reference


def test_the_deadline_reads_as_a_day_and_an_hour_in_paris_time(client, app, ministry):
    ref = need_of(app, ministry)
    year = datetime.now(UTC).year + 1
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.reference == ref))
        need.deadline_at = datetime(year, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 in Paris (winter time)
        db.session.commit()
    weekday_fr = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    day = datetime(year, 11, 27).weekday()

    french = page(client, f"/needs/{ref}")
    assert f"{weekday_fr[day]} 27 novembre {year} à 16:00 (heure de Paris)" in french
    assert "heure normale" not in french and "16:00:00" not in french

    english = page(client, f"/needs/{ref}", "en")
    assert f"{datetime(year, 11, 27):%A} 27 November {year}, 4:00 PM (Paris time)" in english
    assert "Central European" not in english


def test_weights_are_written_the_way_each_language_writes_percentages(client, app, ministry):
    ref = need_of(app, ministry)
    assert f">20{NBSP}%<" in page(client, f"/needs/{ref}")  # sovereignty, by default
    english = page(client, f"/needs/{ref}", "en")
    assert ">20%<" in english and ">20 %<" not in english


def test_the_change_log_puts_the_colon_in_the_french_way(client, app, ministry):
    ref = need_of(app, ministry)
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.reference == ref))
        db.session.add(Amendment(need_id=need.id, summary="Précisions.", changes={
            "summary": {"old": "Ancien résumé", "new": "Nouveau résumé"},
            "weight_cost": {"old": 10, "new": 15},
        }))
        db.session.commit()
    french = page(client, f"/needs/{ref}")
    assert f"<strong>Résumé{NBSP}:</strong>" in french and "Résumé</strong>:" not in french
    assert f"<del>10{NBSP}%</del> → <ins>15{NBSP}%</ins>" in french
    english = page(client, f"/needs/{ref}", "en")
    assert "<strong>Summary:</strong>" in english and "<del>10%</del> → <ins>15%</ins>" in english


def test_a_draft_with_problems_lists_them_and_offers_no_publish_button(client, app, ministry):
    ref = need_of(app, ministry, status="draft", categories=())
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.reference == ref))
        need.title = "  "
        need.reuse_checked = False
        db.session.commit()
    login(client, "buyer@min.gouv.fr")
    english = page(client, f"/needs/{ref}", "en")
    assert 'data-marker="publication-problems"' in english
    assert "Title: This field is required." in english
    assert "Choose at least one category." in english
    assert "reuse comes before buying" in english
    assert 'data-marker="publish-button"' not in english and "Publish the need" not in english
    assert 'data-marker="publish-blocked"' in english and f"/needs/{ref}/edit" in english
    french = page(client, f"/needs/{ref}")
    assert f"Titre{NBSP}: " in french and "Publier le besoin" not in french

    # The server keeps refusing, button or not.
    client.post(f"/needs/{ref}/publish")
    with app.app_context():
        assert db.session.scalar(select(Need.status).where(Need.reference == ref)).value == "draft"


def test_a_complete_draft_offers_the_publish_button(client, app, ministry):
    ref = need_of(app, ministry, status="draft")
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.reference == ref))
        need.reuse_note = "Aucune solution mutualisée ne couvre le besoin."
        db.session.commit()
    login(client, "buyer@min.gouv.fr")
    english = page(client, f"/needs/{ref}", "en")
    assert 'data-marker="publication-problems"' not in english and 'data-marker="publish-blocked"' not in english
    assert 'data-marker="publish-button"' in english and "Publish the need" in english
    client.post(f"/needs/{ref}/publish")
    with app.app_context():
        assert db.session.scalar(select(Need.status).where(Need.reference == ref)).value == "published"


def test_category_labels_use_the_typographic_apostrophe():
    straight = [c.code for c in TAXONOMY if "'" in c.label_fr or "'" in c.label_en]
    assert straight == []


def test_the_need_page_shows_the_taxonomy_label_not_the_seeded_one(client, app, ministry):
    """The row seeded by the first migration keeps its straight apostrophe; pages read app.needs.taxonomy."""
    ref = need_of(app, ministry, categories=("cyber.audit",))
    french = page(client, f"/needs/{ref}")
    assert "Audit et tests d’intrusion" in french and "tests d&#39;intrusion" not in french
