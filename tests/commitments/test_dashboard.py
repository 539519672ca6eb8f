"""The dashboard and the public page: who sees which figures.

The public page shows aggregates only (no member's figures, no undisclosed deal
amount); a member's people see their own detail and nobody else's; the operator sees
every member; buyers outside the alliance see the collective figure and are invited in.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.main.filters import euros
from tests.commitments.builders import awarded, declared, member, operator_login
from tests.factories import login, make_member, make_org


def shown(cents: int) -> list[str]:
    """The ways an amount may be written on a page, in French and in English."""
    forms = []
    for locale in ("fr", "en"):
        with force_locale(locale):
            forms += [euros(cents), euros(cents, precise=True)]
    return forms


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture()
def alliance(client, app):
    """Alpha and Beta are alliance members; Gamma is a buyer outside the alliance."""
    with app.app_context():
        alpha, alpha_owner = member("Alpha Industries", pledge_eur=7_000_000)
        beta, beta_owner = member("Beta Banque", pledge_eur=3_000_000)
        gamma, gamma_owner = make_org("corporate", name="Gamma Outsider", verified=True)
        declared(alpha, 123_456_78, supplier="Quantix Alpha SAS", on=date(2025, 3, 1))
        declared(alpha, 11_111_11, supplier="Mid-size Alpha SA", cls="mid", on=date(2025, 3, 2))
        declared(alpha, 44_444_44, supplier="Pending Alpha SAS", status="declared", on=date(2025, 3, 3))
        declared(alpha, 99_999_99, supplier="Rejected Alpha SAS", status="rejected", on=date(2025, 3, 4))
        declared(beta, 222_222_22, supplier="Cyberbeta SAS", on=date(2025, 4, 1))
        awarded(alpha, alpha_owner, amount_eur=987_654, disclose=False, title="Secret amount deal")
        awarded(beta, beta_owner, amount_eur=55_555, disclose=True, title="Open amount deal")
        db.session.commit()
        return {"alpha": alpha.id, "beta": beta.id, "gamma": gamma.id, "alpha_email": alpha_owner.email,
                "beta_email": beta_owner.email, "gamma_email": gamma_owner.email}


# verified and counting: 123,456.78 + 222,222.22 + 987,654 + 55,555 (startups on Tremplin)
COLLECTIVE_CENTS = 123_456_78 + 222_222_22 + 987_654_00 + 55_555_00


def test_the_public_page_shows_the_collective_figure_and_no_member_figure(client, alliance):
    html = page(client, "/commitment/public")
    assert any(form in html for form in shown(COLLECTIVE_CENTS))
    # Awaiting verification: a single purchase, so its total is not shown (tests/commitments/
    # test_public_protection.py); signed-in members see it.
    assert not any(form in html for form in shown(44_444_44))
    # Each member's own figures (verified totals, pledges) and the undisclosed deal amount
    alpha_verified, beta_verified = 123_456_78 + 987_654_00, 222_222_22 + 55_555_00
    for private in (alpha_verified, beta_verified, 7_000_000_00, 3_000_000_00, 987_654_00):
        assert not any(form in html for form in shown(private)), private
    assert "Quantix Alpha SAS" not in html and "Cyberbeta SAS" not in html  # no declared deal either


def test_the_public_page_lists_awarded_deals_with_an_amount_only_when_disclosed(client, alliance):
    html = page(client, "/commitment/public?lang=en")
    assert "Secret amount deal" in html and "Open amount deal" in html
    assert "€55,555" in html
    assert "amount not disclosed" in html
    assert not any(form in html for form in shown(987_654_00))


def test_the_dashboard_asks_visitors_to_sign_in(client, alliance):
    response = client.get("/commitment/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_sees_the_collective_figure_and_its_own_detail_only(client, app, alliance):
    login(client, alliance["alpha_email"])
    html = page(client, "/commitment/?lang=en")
    assert "€1,388,888" in html  # collective, verified: 1,388,888.00
    assert "Alpha Industries" in html and "€7,000,000" in html  # its own row: pledge
    assert "Quantix Alpha SAS" in html and "Rejected Alpha SAS" in html  # its own purchases
    # Why each purchase counts or not, under the rule in force
    assert "Counts: Startup, France — rule « French startups and innovative SMEs »." in html
    assert "Does not count: Mid-size company, France" in html
    # Declared amounts are shown apart from verified ones
    assert "€44,444.44" in html and "awaiting verification" in html
    # Nothing of Beta's
    assert "Beta Banque" not in html and "Cyberbeta SAS" not in html
    assert not any(form in html for form in shown(222_222_22))
    assert "Members</h2>" not in html  # no table of every member


def test_a_member_cannot_open_another_members_detail(client, alliance):
    login(client, alliance["alpha_email"])
    assert client.get(f"/commitment/?organisation={alliance['beta']}").status_code == 404


def test_a_colleague_without_ownership_sees_the_organisations_detail_too(client, app, alliance):
    with app.app_context():
        from app.accounts.models import Organisation

        colleague = make_member(db.session.get(Organisation, alliance["beta"]))
        email = colleague.email
    login(client, email)
    html = page(client, "/commitment/?lang=en")
    assert "Cyberbeta SAS" in html and "Quantix Alpha SAS" not in html


def test_a_buyer_outside_the_alliance_sees_the_collective_figure_and_an_invitation(client, alliance):
    login(client, alliance["gamma_email"])
    html = page(client, "/commitment/?lang=en")
    assert "Join the alliance" in html
    assert "€1,388,888" in html
    assert "Quantix Alpha SAS" not in html and "Cyberbeta SAS" not in html
    assert "Alpha Industries" not in html and "Beta Banque" not in html
    assert client.get(f"/commitment/?organisation={alliance['alpha']}").status_code == 404


def test_a_supplier_sees_the_collective_figure_without_an_invitation(client, app, alliance):
    with app.app_context():
        _, supplier_owner = make_org("startup", verified=True)
        email = supplier_owner.email
    login(client, email)
    html = page(client, "/commitment/?lang=en")
    assert "€1,388,888" in html and "Join the alliance" not in html
    assert "Quantix Alpha SAS" not in html


def test_the_operator_sees_every_member_and_each_members_indicators(client, alliance):
    operator_login(client)
    html = page(client, "/commitment/?lang=en")
    assert "Alpha Industries" in html and "Beta Banque" in html
    assert "€7,000,000" in html and "€3,000,000" in html
    assert "Small Business Act indicators by member" in html
    assert "Gamma Outsider" not in html  # not a member: not in the members' tables
    detail = page(client, f"/commitment/?organisation={alliance['beta']}&lang=en")
    assert "Cyberbeta SAS" in detail and "Counts: Startup, France" in detail
    assert client.get(f"/commitment/?organisation={alliance['gamma']}").status_code == 404


def test_the_pages_speak_french_by_default_and_english_on_request(client, alliance):
    french = page(client, "/commitment/public")
    assert '<html lang="fr">' in french
    assert "1\u202f388\u202f888\u00a0€" in french  # the figure, the French way
    assert "Intelligence artificielle" in french or "Cybersécurité" in french
    english = page(client, "/commitment/public?lang=en")
    assert '<html lang="en">' in english and "€1,388,888" in english and "Cybersecurity" in english


def test_charts_are_inline_svg_with_a_text_alternative(client, app, alliance, monkeypatch):
    monkeypatch.setitem(app.config, "COMMITMENT_PUBLIC_MIN_CELL", 1)  # a few purchases: every chart drawn
    html = page(client, "/commitment/public?lang=en")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') >= 7
    assert 'role="img"' in html and "<desc id=" in html
    # the charts need no script: the only scripts are the app's own files (htmx), none inline
    scripts = re.findall(r"<script\b[^>]*>.*?</script>", html, re.DOTALL)
    assert all(re.fullmatch(r'<script src="/static/[^"]+\.js" defer></script>', s) for s in scripts)
    assert html.count("<script") == len(scripts)


def test_the_footer_links_to_the_public_figures(client, alliance):
    html = page(client, "/?lang=en")
    assert 'href="/commitment/public"' in html


def test_widening_the_rule_in_the_configuration_counts_a_german_startup_on_the_page(client, app, alliance):
    with app.app_context():
        from app.accounts.models import Organisation

        declared(db.session.get(Organisation, alliance["beta"]), 300_000_00, cls="startup", country="DE",
                 supplier="Berlin Startup GmbH")
        db.session.commit()
    assert "€1,388,888" in page(client, "/commitment/public?lang=en")  # the German startup does not count
    app.config["COMMITMENT_ELIGIBILITY"] = "eu_startups_smes"
    try:
        html = page(client, "/commitment/public?lang=en")
        assert "€1,688,888" in html and "European startups and SMEs" in html
    finally:
        app.config["COMMITMENT_ELIGIBILITY"] = "fr_startups_innovative_smes"


def test_the_operators_member_tables_come_page_by_page_largest_pledges_first(client, alliance, monkeypatch):
    from app.commitments import views_dashboard

    monkeypatch.setattr(views_dashboard, "PER_PAGE", 1)
    operator_login(client)
    first = page(client, "/commitment/?lang=en")
    assert "Alpha Industries" in first and "Beta Banque" not in first  # €7M pledged before €3M
    second = page(client, "/commitment/?members_page=2&lang=en")
    assert "Beta Banque" in second and "€3,000,000" in second  # its row, with its pledge
    assert "Alpha Industries" not in second
    assert "Beta Banque" in page(client, "/commitment/?members_page=9&lang=en")  # past the end: the last page


def test_the_public_figures_are_reused_for_a_minute_while_dashboards_stay_fresh(client, app, alliance):
    from app.commitments import public_figures

    app.config["COMMITMENT_PUBLIC_CACHE_SECONDS"] = 60
    try:
        assert "€1,388,888" in page(client, "/commitment/public?lang=en")
        with app.app_context():
            from app.accounts.models import Organisation

            declared(db.session.get(Organisation, alliance["alpha"]), 100_000_00, supplier="Late SAS")
            db.session.commit()
        assert "€1,388,888" in page(client, "/commitment/public?lang=en")  # within the minute
        login(client, alliance["alpha_email"])
        assert "€1,488,888" in page(client, "/commitment/?lang=en")  # a member's dashboard: at once
    finally:
        del app.config["COMMITMENT_PUBLIC_CACHE_SECONDS"]
        public_figures._cache.clear()
    assert "€1,488,888" in page(client, "/commitment/public?lang=en")
