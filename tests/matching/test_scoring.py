"""The score of a supplier for a need: each component, its reasons, and the hard requirements.

Pure functions on plain facts: no database, no engine.
"""

from __future__ import annotations

import pytest

from app.matching.scoring import (
    POINTS,
    NeedFacts,
    SupplierFacts,
    budget_points,
    category_points,
    label_points,
    requirements,
    score,
    sovereignty_points,
    text_points,
)

SOC_NEED = NeedFacts(
    title="Supervision de sécurité et SOC managé",
    summary="Détection des incidents 24/7 pour nos hôpitaux.",
    categories=("cyber.soc",),
    budget_max_eur=900_000,
)


def supplier(**facts) -> SupplierFacts:
    document = {
        "id": facts.pop("id", "1"), "name": facts.pop("name", "Vigie"), "headline": facts.pop("headline", ""),
        "solution_names": facts.pop("solution_names", []), "solution_text": facts.pop("solution_text", ""),
        "category_labels": [], "description": facts.pop("description", ""),
        "categories": facts.pop("categories", []), "country": facts.pop("country", "FR"),
        "size": facts.pop("size", "small"), "employees": facts.pop("employees", 20),
        **facts,
    }
    return SupplierFacts.of_document(document)


def texts(reasons) -> list[str]:
    return [str(r) for r in reasons]


def test_the_components_add_up_to_at_most_100_points():
    assert sum(POINTS.values()) == 100
    best = supplier(
        headline="SOC managé : supervision de sécurité, détection des incidents", categories=["cyber.soc"],
        secnumcloud=True, hosting_eu=True, eu_controlled=True, exit_plan=True, owns_technology=True,
        open_source=True, labels=["next40", "jei", "greentech"],
    )
    result = score(SOC_NEED, best, rank=1.0)
    assert result.total == 100 and result.components == POINTS
    assert score(SOC_NEED, best, rank=1.0).total == result.total  # deterministic


def test_same_sub_category_beats_same_axis_beats_another_field():
    exact = category_points(SOC_NEED, supplier(categories=["cyber.soc"]))
    same_axis = category_points(SOC_NEED, supplier(categories=["cyber.crypto"]))
    elsewhere = category_points(SOC_NEED, supplier(categories=["cloud.hosting"]))
    assert (exact[0], same_axis[0], elsewhere[0]) == (30, 15, 0)
    assert texts(exact[1]) == ["Categories: Cybersécurité / Détection et réponse (SOC, EDR)"]
    assert texts(same_axis[1]) == ["Same field: Cybersécurité"]
    assert elsewhere[1] == []


def test_a_need_on_a_whole_axis_is_met_by_any_of_its_sub_categories():
    need = NeedFacts(title="Cyber", summary="", categories=("cyber",), budget_max_eur=100_000)
    assert category_points(need, supplier(categories=["cyber.audit"]))[0] == 30
    # an axis chosen with one of its sub-categories counts once, as the sub-category
    both = NeedFacts(title="Cyber", summary="", categories=("cyber", "cyber.soc"), budget_max_eur=100_000)
    assert category_points(both, supplier(categories=["cyber.audit"]))[0] == 15


def test_text_relevance_counts_the_need_words_found_in_the_offer_whatever_accents_and_plurals():
    close = supplier(headline="Supervision de la securite, SOC manages et detection d'incidents")
    far = supplier(headline="Hébergement de sites web")
    close_points, close_reason = text_points(SOC_NEED, close, rank=0.0)
    far_points, far_reason = text_points(SOC_NEED, far, rank=0.0)
    assert close_points > far_points == 0 and far_reason is None
    assert str(close_reason).startswith("Words in common: Supervision, sécurité, SOC")


def test_synonyms_count_as_shared_words():
    need = NeedFacts(title="Assistant IA pour les agents", summary="", categories=(), budget_max_eur=1)
    english = supplier(headline="Sovereign AI assistant")
    assert "IA" in str(text_points(need, english, rank=0.0)[1])


def test_the_engine_rank_adds_a_little_to_the_text_signal():
    offer = supplier(headline="Supervision SOC")
    assert text_points(SOC_NEED, offer, rank=1.0)[0] - text_points(SOC_NEED, offer, rank=0.0)[0] == 6


@pytest.mark.parametrize(("size", "employees", "budget", "points", "reason"), [
    ("micro", 5, 300_000, 10, "Size suited to the budget"),
    ("micro", 5, 1_500_000, 5, "Large budget for its size"),
    ("micro", 5, 8_000_000, 0, "Budget very large for its size"),
    ("medium", 120, 8_000_000, 10, "Size suited to the budget"),
    ("", 30, 9_000_000, 0, "Budget very large for its size"),  # size read from the head count (small)
    ("", 0, 8_000_000, 5, None),  # size unknown: neutral, nothing said
])
def test_budget_fit_weighs_the_company_size_against_the_budget(size, employees, budget, points, reason):
    need = NeedFacts(title="x", summary="", categories=(), budget_max_eur=budget)
    got_points, got_reason = budget_points(need, supplier(size=size, employees=employees))
    assert got_points == points
    assert (str(got_reason) if got_reason else None) == reason


def test_sovereignty_follows_the_three_questions():
    full = supplier(eu_controlled=True, exit_plan=True, owns_technology=True, open_source=True)
    points, reasons = sovereignty_points(SOC_NEED, full)
    assert points == 20
    assert texts(reasons) == ["Capital and control in the EU", "Out of reach of extraterritorial laws",
                              "Documented exit plan (reversibility)", "Open source solutions",
                              "Masters its own technology"]
    exposed = supplier(eu_controlled=False, extraterritorial_exposure=True)
    points, reasons = sovereignty_points(SOC_NEED, exposed)
    assert points == 0
    assert [(str(r), r.tone) for r in reasons] == [("Exposed to extraterritorial laws (e.g. US Cloud Act)",
                                                    "caution")]


def test_labels_count_up_to_ten_points():
    assert label_points(supplier(labels=["next40", "french_tech_120"]))[0] == 10
    points, reason = label_points(supplier(labels=["jei", "unknown"]))
    assert (points, str(reason)) == (4, "Labels: JEI")
    assert label_points(supplier(labels=[])) == (0, None)


def test_sensitive_data_requires_secnumcloud():
    need = NeedFacts(title="x", summary="", categories=(), budget_max_eur=1, sensitive_data=True,
                     requires_secnumcloud=True)
    met, refused = requirements(need, supplier(secnumcloud=True))
    assert texts(met) == ["SecNumCloud qualified (required: sensitive data)"] and refused == []
    met, refused = requirements(need, supplier(secnumcloud=False))
    assert met == [] and texts(refused) == ["Not SecNumCloud qualified: the need has sensitive data"]
    assert not score(need, supplier(secnumcloud=False)).eligible


def test_data_kept_in_the_eu_requires_hosting_in_the_eu():
    need = NeedFacts(title="x", summary="", categories=(), budget_max_eur=1, eu_data_residency=True)
    assert texts(requirements(need, supplier(hosting_eu=True))[0]) == ["Hosting in the EU (required)"]
    assert texts(requirements(need, supplier(hosting_eu=False))[1]) == [
        "No hosting in the EU, where the data must stay"]


@pytest.mark.parametrize(("facts", "refusal"), [
    ({"country": "FR", "size": "small", "employees": 20}, None),
    ({"country": "US", "size": "small", "employees": 20}, "Not established in the EU: the need is reserved for EU SMEs"),
    ({"country": "FR", "size": "large", "employees": 5000}, "Too large for a need reserved for SMEs"),
    ({"country": "FR", "size": "", "employees": 300}, "Too large for a need reserved for SMEs"),
])
def test_the_sme_set_aside_follows_the_access_policy(facts, refusal):
    need = NeedFacts(title="x", summary="", categories=(), budget_max_eur=1, sme_set_aside=True)
    met, refused = requirements(need, supplier(**facts))
    if refusal is None:
        assert texts(met) == ["Eligible for the SME set-aside"] and refused == []
    else:
        assert texts(refused) == [refusal]


def test_the_query_keeps_the_informative_words_title_first():
    need = NeedFacts(title="Une plateforme pour la supervision de sécurité",
                     summary="Le SOC managé de nos hôpitaux, avec détection des incidents et réponse",
                     categories=("cyber.soc",), budget_max_eur=1)
    # stop words and words every offer uses (plateforme) are left out; six words at most
    assert need.query_text() == "supervision securite soc manage hopitaux detection"
