"""What already exists before a need is published: reuse first, then off-the-shelf, by text and categories."""

from __future__ import annotations

from app.extensions import db
from app.matching.indexing import index_supplier
from app.matching.matching_solutions import existing_solutions_for
from app.suppliers.models import Solution, SolutionAdoption
from tests.factories import login, make_org
from tests.needs.builders import english


def solution(org, name, summary, code, **options) -> Solution:
    item = Solution(organisation_id=org.id, name=name, summary=summary, category_code=code, **options)
    db.session.add(item)
    db.session.flush()
    return item


def adopt(item: Solution, organisation) -> None:
    db.session.add(SolutionAdoption(solution_id=item.id, organisation_id=organisation.id))


def shelf_names(found) -> list[str]:
    return [s.name for s in found.off_the_shelf]


def test_reuse_comes_first_then_off_the_shelf(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    neighbour, _ = make_org("administration", name="Agence Voisine", verified=True)
    vendor, _ = make_org("startup", verified=True)
    solution(vendor, "Albert Partagé", "Assistant conversationnel mutualisé", "ai.llm", shared=True)
    used = solution(vendor, "Scribe", "Assistant de synthèse de documents", "ai.nlp")
    solution(vendor, "ChatSouverain", "Assistant conversationnel hébergé en France", "ai.llm")
    adopt(used, neighbour)
    db.session.commit()
    found = existing_solutions_for("Assistant conversationnel", ["ai"], buyer=buyer)
    assert [(s.name, [o.name for o in adopters]) for s, adopters in found.shared] == [("Albert Partagé", [])]
    assert [(s.name, [o.name for o in adopters]) for s, adopters in found.adopted] == [("Scribe", ["Agence Voisine"])]
    assert shelf_names(found) == ["ChatSouverain"]


def test_a_solution_only_the_buyer_uses_is_not_reuse_by_other_members(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    vendor, _ = make_org("startup", verified=True)
    mine = solution(vendor, "Scribe", "Synthèse de documents", "ai.nlp")
    adopt(mine, buyer)
    db.session.commit()
    found = existing_solutions_for("", ["ai.nlp"], buyer=buyer)
    assert found.adopted == [] and shelf_names(found) == ["Scribe"]


def test_off_the_shelf_offers_are_ranked_by_the_need_words_not_only_by_category(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    vendor, _ = make_org("startup", verified=True)
    solution(vendor, "Aardvark Docs", "Résumé automatique de rapports", "ai.llm")
    solution(vendor, "Zéphyr Chat", "Assistant conversationnel pour les agents publics", "ai.llm")
    solution(vendor, "Pare-feu", "Filtrage réseau", "cyber.soc")
    db.session.commit()
    by_text = existing_solutions_for("Assistant conversationnel pour les agents", ["ai.llm"], buyer=buyer)
    assert shelf_names(by_text) == ["Zéphyr Chat", "Aardvark Docs"]  # words first, then the rest of the category
    by_category = existing_solutions_for("", ["ai.llm"], buyer=buyer)
    assert shelf_names(by_category) == ["Aardvark Docs", "Zéphyr Chat"]  # without words: by name


def test_the_text_finds_solutions_outside_the_chosen_categories(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    vendor, _ = make_org("startup", verified=True)
    solution(vendor, "Tri Courrier", "Lecture automatique du courrier entrant", "lowcode.workflow")
    solution(vendor, "Capteur", "Capteurs quantiques", "quantum.sensing")
    db.session.commit()
    index_supplier(vendor.id)  # the engine finds the supplier by the words
    found = existing_solutions_for("Lecture automatique du courrier", ["ai.nlp"], buyer=buyer)
    assert shelf_names(found) == ["Tri Courrier"]


def test_the_posting_flow_ranks_what_exists_by_the_words_typed(client, app):
    with app.app_context():
        make_org("administration", verified=True, email="buyer@min.gouv.fr")
        vendor, _ = make_org("startup", verified=True)
        solution(vendor, "Aardvark Docs", "Résumé automatique de rapports", "ai.llm")
        solution(vendor, "Zéphyr Chat", "Assistant conversationnel pour les agents publics", "ai.llm")
        db.session.commit()
    login(client, "buyer@min.gouv.fr")
    english(client)
    step1 = client.get("/needs/new").get_data(as_text=True)
    assert 'name="q"' in step1  # a few words, optional
    html = client.get("/needs/new?q=assistant+conversationnel&categories=ai").get_data(as_text=True)
    assert html.index("Zéphyr Chat") < html.index("Aardvark Docs")
    assert 'value="assistant conversationnel"' in html  # the words carry into the title
    # the words of the form, when it is sent back with an error, rank the list too
    html = client.post("/needs/new", data={"title": "Résumé automatique de rapports", "categories": ["ai.llm"]}
                       ).get_data(as_text=True)
    assert html.index("Aardvark Docs") < html.index("Zéphyr Chat")
