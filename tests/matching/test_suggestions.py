"""Suggested suppliers for a need, on a small hand-made market and the real (embedded) engine.

The other test_suggestions_* modules import the builders from here.
"""

from __future__ import annotations

import pytest

from app.accounts.models import SizeCategory
from app.extensions import db
from app.matching.indexing import index_need, index_supplier
from app.matching.matching_suppliers import explain_supplier, match_suppliers
from app.suppliers.models import Certification, CertificationKind, Solution, SupplierProfile
from tests.factories import make_need, make_org


@pytest.fixture()
def ctx(app_ctx):
    """An app and a request context in English: reasons are sentences in the reader's language."""
    with app_ctx.test_request_context("/?lang=en"):
        yield app_ctx


def supplier(name, *, categories, headline="", solutions=(), verified=True, secnumcloud=False, country="FR",
             size=SizeCategory.SMALL, employees=20, labels=(), eu_controlled=True, exposure=False,
             exit_plan=True, owns_technology=True, hosting="FR", email=None):
    """A startup with its profile and solutions, indexed. ``solutions``: (name, summary, category) triples."""
    org, user = make_org("startup", name=name, verified=verified, email=email)
    if country != "FR":
        org.country, org.siren, org.vat_number = country, None, f"{country}{org.id:09d}"
    org.size, org.employees, org.labels = size, employees, list(labels)
    db.session.add(SupplierProfile(organisation_id=org.id, headline=headline, categories=list(categories),
                                   eu_controlled=eu_controlled, extraterritorial_exposure=exposure,
                                   exit_plan=exit_plan, owns_technology=owns_technology))
    for solution_name, summary, code in solutions:
        db.session.add(Solution(organisation_id=org.id, name=solution_name, summary=summary, category_code=code,
                                hosting_country=hosting, secnumcloud=secnumcloud))
    if secnumcloud:
        db.session.add(Certification(organisation_id=org.id, kind=CertificationKind.SECNUMCLOUD,
                                     reference=f"SNC-{org.id}"))
    db.session.commit()
    index_supplier(org.id)
    return org


def need_for(buyer, *, title, summary, categories, **options):
    """A need with its own words, indexed (make_need writes placeholder texts)."""
    flags = {k: options.pop(k) for k in ("eu_data_residency", "open_source_preferred") if k in options}
    need = make_need(buyer, title=title, categories=categories, **options)
    need.summary = summary
    for key, value in flags.items():
        setattr(need, key, value)
    db.session.commit()
    index_need(need.id)
    return need


def soc_market():
    """Three cyber suppliers, one in the cloud, one unverified; a SOC need."""
    buyer, _ = make_org("administration", name="Ministère des Essais", verified=True, email="buyer@min.gouv.fr")
    market = {
        "vigie": supplier("Vigie Ponant", categories=["cyber.soc"], headline="SOC managé et supervision de sécurité",
                          solutions=[("Vigie SOC", "Détection des incidents et réponse 24/7", "cyber.soc")],
                          secnumcloud=True),
        "bastion": supplier("Bastion Nord", categories=["cyber.soc"], headline="EDR pour les postes de travail",
                            solutions=[("Bastion EDR", "Protection des postes", "cyber.soc")]),
        "cle": supplier("Clé Forte", categories=["cyber.crypto"], headline="Chiffrement et PKI",
                        solutions=[("Clé PKI", "Certificats et signatures", "cyber.crypto")]),
        "nuage": supplier("Nuage Ouest", categories=["cloud.hosting"], headline="Hébergement de sites",
                          solutions=[("Nuage Web", "Sites et applications", "cloud.hosting")]),
        "hidden": supplier("Cachée SOC", categories=["cyber.soc"], headline="SOC managé et supervision de sécurité",
                           verified=False),
    }
    need = need_for(buyer, title="Supervision de sécurité et SOC managé",
                    summary="Détection des incidents de sécurité 24/7 pour nos hôpitaux.",
                    categories=("cyber.soc",), budget_eur=(300_000, 900_000))
    return buyer, need, market


def names(suggestions) -> list[str]:
    return [s.organisation.name for s in suggestions]


def test_suppliers_are_ranked_as_a_buyer_expects(ctx):
    _buyer, need, _market = soc_market()
    suggestions = match_suppliers(need)
    # right sub-category and words first, then the same sub-category, then the same field
    assert names(suggestions)[:3] == ["Vigie Ponant", "Bastion Nord", "Clé Forte"]
    assert "Cachée SOC" not in names(suggestions)  # only verified suppliers
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
    assert all(isinstance(s, int) for s in scores)


def test_each_suggestion_says_why(ctx):
    _buyer, need, _market = soc_market()
    best = match_suppliers(need)[0]
    reasons = [str(r) for r in best.reasons]
    assert "Categories: Cybersecurity / Detection and response (SOC, EDR)" in reasons
    assert any(r.startswith("Words in common: Supervision, sécurité, SOC") for r in reasons)
    assert "Capital and control in the EU" in reasons and "Size suited to the budget" in reasons
    assert sum(best.components.values()) == best.score


def test_equal_scores_are_ordered_by_name(ctx):
    buyer, _ = make_org("corporate", verified=True)
    for name in ("Zèbre Data", "Alpaga Data", "Mouflon Data"):
        supplier(name, categories=["data.platform"], headline="Plateforme de données")
    need = need_for(buyer, title="Entrepôt de données", summary="Pilotage", categories=("data.platform",))
    assert names(match_suppliers(need)) == ["Alpaga Data", "Mouflon Data", "Zèbre Data"]


def test_sensitive_data_only_suggests_secnumcloud_suppliers_and_says_why_others_are_left_out(ctx):
    buyer, _ = make_org("administration", verified=True)
    market = {
        "vigie": supplier("Vigie Ponant", categories=["cyber.soc"], headline="SOC managé", secnumcloud=True),
        "bastion": supplier("Bastion Nord", categories=["cyber.soc"], headline="SOC managé"),
    }
    need = need_for(buyer, title="SOC managé", summary="Données de santé", categories=("cyber.soc",),
                    sensitive_data=True)
    suggestions = match_suppliers(need)
    assert names(suggestions) == ["Vigie Ponant"]
    assert "SecNumCloud qualified (required: sensitive data)" in [str(r) for r in suggestions[0].reasons]
    _score, _reasons, refusals = explain_supplier(need, market["bastion"])
    assert [str(r) for r in refusals] == ["Not SecNumCloud qualified: the need has sensitive data"]


def test_an_sme_set_aside_leaves_out_large_and_non_eu_suppliers(ctx):
    buyer, _ = make_org("administration", verified=True)
    supplier("Petite Agile", categories=["it.devops"], headline="Développement logiciel agile")
    large = supplier("Grand Groupe", categories=["it.devops"], headline="Développement logiciel agile",
                     size=SizeCategory.LARGE, employees=5000)
    crowded = supplier("Presque Grande", categories=["it.devops"], headline="Développement logiciel agile",
                       size=None, employees=400)
    foreign = supplier("Swiss Dev", categories=["it.devops"], headline="Développement logiciel agile",
                       country="CH")
    need = need_for(buyer, title="Développement agile", summary="Une équipe de développement",
                    categories=("it.devops",), sme_set_aside=True)
    suggestions = match_suppliers(need)
    assert names(suggestions) == ["Petite Agile"]
    assert "Eligible for the SME set-aside" in [str(r) for r in suggestions[0].reasons]
    assert [str(r) for r in explain_supplier(need, large)[2]] == ["Too large for a need reserved for SMEs"]
    assert [str(r) for r in explain_supplier(need, crowded)[2]] == ["Too large for a need reserved for SMEs"]
    assert [str(r) for r in explain_supplier(need, foreign)[2]] == [
        "Not established in the EU: the need is reserved for EU SMEs"]
    # without the set-aside, all four are suggested
    need.sme_set_aside = False
    db.session.commit()
    assert len(match_suppliers(need)) == 4


def test_data_kept_in_the_eu_only_suggests_suppliers_hosting_in_the_eu(ctx):
    buyer, _ = make_org("corporate", verified=True)
    supplier("Nuage Hexagone", categories=["cloud.paas"], headline="Plateforme cloud",
             solutions=[("Hexa PaaS", "Plateforme cloud", "cloud.paas")], hosting="FR")
    far = supplier("Far Cloud", categories=["cloud.paas"], headline="Plateforme cloud",
                   solutions=[("Far PaaS", "Plateforme cloud", "cloud.paas")], hosting="US")
    need = need_for(buyer, title="Plateforme cloud", summary="Hébergement des applications",
                    categories=("cloud.paas",), eu_data_residency=True)
    suggestions = match_suppliers(need)
    assert names(suggestions) == ["Nuage Hexagone"]
    assert "Hosting in the EU (required)" in [str(r) for r in suggestions[0].reasons]
    assert [str(r) for r in explain_supplier(need, far)[2]] == ["No hosting in the EU, where the data must stay"]


def test_a_supplier_that_no_longer_meets_a_requirement_is_dropped_even_if_the_index_is_behind(ctx):
    buyer, _ = make_org("administration", verified=True)
    vigie = supplier("Vigie Ponant", categories=["cyber.soc"], headline="SOC managé", secnumcloud=True)
    need = need_for(buyer, title="SOC managé", summary="Santé", categories=("cyber.soc",), sensitive_data=True)
    assert names(match_suppliers(need)) == ["Vigie Ponant"]
    for certification in list(vigie.certifications):
        db.session.delete(certification)
    for solution in vigie.solutions:
        solution.secnumcloud = False
    db.session.commit()  # the index still says SecNumCloud: not re-indexed
    assert match_suppliers(need) == []


def test_text_relevance_finds_a_supplier_outside_the_chosen_categories(ctx):
    buyer, _ = make_org("administration", verified=True)
    supplier("Lecteur Malin", categories=["ai.nlp"], headline="Lecture automatique du courrier entrant")
    supplier("Autre Chose", categories=["quantum.sensing"], headline="Capteurs quantiques")
    need = need_for(buyer, title="Lecture automatique du courrier", summary="Classer les courriers entrants",
                    categories=("lowcode.workflow",))
    assert names(match_suppliers(need)) == ["Lecteur Malin"]
