"""Needs for you: never a need the supplier may not see or bid on, the best fits first, with reasons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import SizeCategory
from app.extensions import db
from app.matching.matching_needs import needs_for_supplier, supplier_viewer
from app.needs.models import Need
from app.needs.policy import can_bid, can_view_need
from tests.factories import login, make_org
from tests.matching.test_suggestions import need_for, supplier
from tests.needs.builders import english

OFFER = [("Veille SOC", "SOC managé hébergé en France", "cyber.soc")]
SOC = {"summary": "Supervision de sécurité et détection des incidents", "categories": ("cyber.soc",)}


def market():
    """One buyer's needs in every state and kind of access, all about a SOC."""
    buyer, _ = make_org("administration", verified=True, email="buyer@min.gouv.fr")
    insider = supplier("Vigie Ponant", categories=["cyber.soc"], headline="SOC managé et supervision de sécurité",
                       solutions=OFFER, email="vigie@example.fr")
    large = supplier("Grand Groupe", categories=["cyber.soc"], headline="SOC managé et supervision de sécurité",
                     solutions=OFFER, size=SizeCategory.LARGE, employees=5000)
    unverified = supplier("Pas Encore", categories=["cyber.soc"], headline="SOC managé", verified=False)
    secure = supplier("Coffre Fort", categories=["cyber.soc"], headline="SOC managé", secnumcloud=True,
                      solutions=OFFER)
    needs = {
        "public": need_for(buyer, title="SOC managé public", **SOC),
        "restricted": need_for(buyer, title="SOC managé réservé", visibility="restricted", **SOC),
        "invited": need_for(buyer, title="SOC managé sur invitation", visibility="invitation",
                            invited=[insider, unverified], **SOC),
        "not_invited": need_for(buyer, title="SOC managé pour d'autres", visibility="invitation", **SOC),
        "draft": need_for(buyer, title="SOC managé brouillon", status="draft", **SOC),
        "closed": need_for(buyer, title="SOC managé clos", status="closed", **SOC),
        "late": need_for(buyer, title="SOC managé échu", deadline_in_days=-1, **SOC),
        "cancelled": need_for(buyer, title="SOC managé annulé", status="cancelled", **SOC),
        "sensitive": need_for(buyer, title="SOC managé sensible", sensitive_data=True, **SOC),
        "set_aside": need_for(buyer, title="SOC managé réservé aux PME", sme_set_aside=True, **SOC),
        "eu_data": need_for(buyer, title="SOC managé données en Europe", eu_data_residency=True, **SOC),
    }
    return {"vigie": insider, "large": large, "unverified": unverified, "secure": secure}, needs


def listed(organisation) -> dict[str, object]:
    return {s.need.title: s for s in needs_for_supplier(organisation)}


def keys(needs, found) -> set[str]:
    titles = {need.title: key for key, need in needs.items()}
    return {titles[t] for t in found if t in titles}


def test_a_supplier_gets_only_the_open_needs_it_may_see_and_bid_on(app_ctx):
    suppliers, needs = market()
    assert keys(needs, listed(suppliers["vigie"])) == {"public", "restricted", "invited", "set_aside", "eu_data"}
    # data kept in the EU: only for a supplier hosting there
    far = supplier("Loin Cloud", categories=["cyber.soc"], headline="SOC managé", hosting="US",
                   solutions=[("Loin SOC", "SOC managé", "cyber.soc")])
    assert "eu_data" not in keys(needs, listed(far)) and "public" in keys(needs, listed(far))
    assert keys(needs, listed(suppliers["large"])) == {"public", "restricted", "eu_data"}  # no SME set-aside
    assert keys(needs, listed(suppliers["secure"])) == {"public", "restricted", "sensitive", "set_aside", "eu_data"}
    assert keys(needs, listed(suppliers["unverified"])) == {"invited"}  # unverified: where invited only


@pytest.mark.parametrize("name", ["vigie", "large", "unverified", "secure"])
def test_every_listed_need_is_one_the_supplier_may_see_and_bid_on(app_ctx, name):
    suppliers, _needs = market()
    organisation = suppliers[name]
    viewer = supplier_viewer(organisation)
    for suggestion in needs_for_supplier(organisation, limit=100):
        assert can_view_need(viewer, suggestion.need) and can_bid(viewer, suggestion.need)


def test_a_stale_index_never_lists_a_need_that_became_hidden(app_ctx):
    suppliers, needs = market()
    need = db.session.scalar(select(Need).where(Need.id == needs["public"].id))
    need.visibility = "invitation"
    db.session.commit()  # not re-indexed: the engine still says public
    assert "public" not in keys(needs, listed(suppliers["vigie"]))


def test_the_best_fits_come_first_with_their_reasons(app_ctx):
    buyer, _ = make_org("administration", verified=True)
    vigie = supplier("Vigie Ponant", categories=["cyber.soc"], headline="SOC managé et supervision de sécurité")
    need_for(buyer, title="Chiffrement des échanges", summary="PKI", categories=("cyber.crypto",))
    need_for(buyer, title="SOC managé et supervision", **SOC)
    need_for(buyer, title="Capteurs quantiques", summary="Navigation", categories=("quantum.sensing",))
    with app_ctx.test_request_context("/?lang=en"):
        found = needs_for_supplier(vigie)
        assert [s.need.title for s in found][:2] == ["SOC managé et supervision", "Chiffrement des échanges"]
        assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
        reasons = [str(r) for r in found[0].reasons]
        assert "Categories: Cybersecurity / Detection and response (SOC, EDR)" in reasons
        assert any(r.startswith("Words in common: SOC") for r in reasons)


def test_the_supplier_home_lists_needs_for_you(client, app):
    with app.app_context():
        _suppliers, needs = market()
        hidden = [needs[k].title for k in ("not_invited", "draft", "closed", "sensitive")]
    login(client, "vigie@example.fr")
    english(client)
    html = client.get("/").get_data(as_text=True)
    assert "Needs for you" in html
    assert "SOC managé public" in html and "SOC managé sur invitation" in html
    assert 'data-marker="need-for-you"' in html and "Categories: Cybersecurity" in html
    assert not [title for title in hidden if title in html]
