"""The dashboard's figures, summed in SQL: what counts under the rule, verified and declared
apart, rejected never, the period, the pace and projection to the cent, per member rows,
breakdowns and the Small Business Act indicators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.commitments.stats import MonthPoint, Scope, Trend, collective, members, pace, pledged_total
from app.commitments.stats_breakdowns import breakdown, latest_deals, sba_by_buyer, sba_overall
from app.extensions import db
from tests.commitments.builders import awarded, declared, member, programme
from tests.factories import make_org

TODAY = date(2025, 3, 1)


@pytest.fixture()
def alliance(app_ctx):
    """Two members, one buyer outside the alliance."""
    a, a_owner = member("Groupe Alpha", pledge_eur=1_000_000)
    b, b_owner = member("Groupe Beta", pledge_eur=500_000)
    outsider, outsider_owner = make_org("corporate", name="Hors Alliance", verified=True)
    db.session.commit()
    return {"a": a, "b": b, "outsider": outsider, "a_owner": a_owner, "b_owner": b_owner,
            "outsider_owner": outsider_owner}


def test_only_what_the_rule_accepts_counts_and_widening_it_to_europe_counts_a_german_startup(alliance):
    a = alliance["a"]
    declared(a, 100_00, cls="startup")  # counts
    declared(a, 200_00, cls="sme", innovative=True)  # counts
    declared(a, 400_00, cls="sme")  # a plain SME: not under the default rule
    declared(a, 800_00, cls="mid", innovative=True)  # an ETI never counts
    declared(a, 1_600_00, cls="startup", country="US")  # outside the EU
    declared(a, 3_200_00, cls="startup", country="DE")  # a German startup
    db.session.commit()

    assert collective(programme(), today=TODAY).verified_cents == 300_00
    assert collective(programme("eu_startups_innovative_smes"), today=TODAY).verified_cents == 3_500_00
    assert collective(programme("eu_startups_smes"), today=TODAY).verified_cents == 3_900_00


def test_declared_amounts_are_shown_apart_from_verified_ones_and_rejected_never_count(alliance):
    a = alliance["a"]
    declared(a, 100_00, status="verified")
    declared(a, 20_00, status="declared")
    declared(a, 7_000_00, status="rejected")
    db.session.commit()

    figure = collective(programme(), today=TODAY)
    assert (figure.verified_cents, figure.declared_cents) == (100_00, 20_00)
    [row_a, _row_b] = members(programme(), today=TODAY)
    assert (row_a.verified_cents, row_a.declared_cents) == (100_00, 20_00)
    assert breakdown("class", programme()).all_cents == 100_00
    assert sba_overall(programme()).awarded_cents == 100_00


def test_the_collective_figure_is_the_members_purchases_within_the_programme_period(alliance):
    declared(alliance["a"], 100_00)
    declared(alliance["b"], 10_00)
    declared(alliance["outsider"], 5_000_00)  # a buyer outside the alliance
    declared(alliance["a"], 3_000_00, on=date(2024, 12, 31))  # before the programme
    declared(alliance["a"], 6_000_00, on=date(2028, 1, 1))  # after it
    db.session.commit()

    assert collective(programme(), today=TODAY).verified_cents == 110_00
    assert collective(programme(), Scope.of_buyer(alliance["b"].id), today=TODAY).verified_cents == 10_00


def test_pace_and_linear_projection_to_the_cent_on_a_small_dataset(alliance):
    """A one-year programme of €365,000: 60 days elapsed on 1 March, 305 left."""
    a = alliance["a"]
    declared(a, 1_000_000, on=date(2025, 1, 10))
    declared(a, 234_567, on=date(2025, 2, 20))
    declared(a, 500_000, on=date(2025, 2, 1), status="declared")
    db.session.commit()
    year = programme(target_eur=365_000, start=date(2025, 1, 1), end=date(2025, 12, 31))

    figure = collective(year, today=TODAY)
    assert figure.series == [
        MonthPoint(date(2025, 1, 1), 1_000_000, 1_000_000),
        MonthPoint(date(2025, 2, 1), 1_234_567, 1_734_567),
        MonthPoint(date(2025, 3, 1), 1_234_567, 1_734_567),
    ]
    p = figure.pace
    assert (p.days_total, p.days_elapsed, p.days_left) == (365, 60, 305)
    # so far: 1,234,567 × 30.4375 / 60 = 626,285.55 → 626,286 cents a month
    assert p.so_far_cents == 626_286
    # needed: (36,500,000 − 1,234,567) × 30.4375 / 305 = 3,519,316.78 → 3,519,317 cents a month
    assert p.needed_cents == 3_519_317
    # projection: 1,234,567 × 365 / 60 = 7,510,282.58 → 7,510,283 cents at the end
    assert p.projection_cents == 7_510_283
    assert p.on_track is False and p.reached_on is None
    assert figure.progress == Decimal("3.4")  # 1,234,567 / 36,500,000 = 3.38 %
    assert figure.remaining_cents == 36_500_000 - 1_234_567


def test_at_a_sufficient_pace_the_target_is_reached_before_the_end():
    p = pace(verified_cents=1_234_567, target_cents=5_000_000, start=date(2025, 1, 1), end=date(2025, 12, 31),
             today=TODAY)
    # (5,000,000 − 1,234,567) × 30.4375 / 305 = 375,771.69
    assert p.needed_cents == 375_772 and p.on_track is True
    # 5,000,000 × 60 / 1,234,567 = 243.0002 days → reached on day 244, 1 September
    assert p.reached_on == date(2025, 9, 1)


def test_pace_before_the_start_and_after_the_end():
    before = pace(verified_cents=0, target_cents=100, start=date(2025, 1, 1), end=date(2025, 12, 31),
                  today=date(2024, 6, 1))
    assert (before.days_elapsed, before.so_far_cents, before.projection_cents) == (0, None, None)
    after = pace(verified_cents=50, target_cents=100, start=date(2025, 1, 1), end=date(2025, 12, 31),
                 today=date(2026, 2, 1))
    assert (after.days_left, after.needed_cents, after.projection_cents) == (0, None, 50)
    reached = pace(verified_cents=150, target_cents=100, start=date(2025, 1, 1), end=date(2025, 12, 31),
                   today=TODAY)
    assert reached.needed_cents == 0 and reached.on_track is True


def test_per_member_rows_pledge_awarded_declared_verified_progress_and_trend(alliance):
    a, b = alliance["a"], alliance["b"]
    awarded(a, alliance["a_owner"], amount_eur=30_000, on=date(2025, 2, 10))  # startup supplier: counts
    declared(a, 20_000_00, on=date(2025, 1, 5))  # verified, declared elsewhere
    declared(a, 5_000_00, status="declared", on=date(2025, 2, 1))
    declared(a, 9_000_00, cls="large", on=date(2025, 2, 1))  # verified, does not count
    declared(b, 1_000_00, on=date(2024, 11, 20))  # before the programme: not counted, nor in the trend
    db.session.commit()

    rows = {r.name: r for r in members(programme(), today=TODAY)}
    alpha = rows["Groupe Alpha"]
    assert (alpha.pledged_cents, alpha.awarded_cents, alpha.declared_cents, alpha.verified_cents,
            alpha.verified_all_cents) == (1_000_000_00, 30_000_00, 5_000_00, 50_000_00, 59_000_00)
    assert alpha.progress == Decimal("5.0")
    assert alpha.trend == Trend.UP  # all of it in the last 90 days
    beta = rows["Groupe Beta"]
    assert (beta.verified_cents, beta.trend, beta.progress) == (0, Trend.NONE, Decimal("0.0"))
    assert "Hors Alliance" not in rows
    assert [r.name for r in members(programme(), Scope.of_buyer(b.id), today=TODAY)] == ["Groupe Beta"]
    assert pledged_total() == (1_500_000_00, 2)


def test_the_trend_compares_the_last_90_days_with_the_90_before(alliance):
    a = alliance["a"]
    later = date(2025, 9, 1)
    declared(a, 100_00, on=date(2025, 8, 1))  # last 90 days (4 June – 1 September)
    declared(a, 300_00, on=date(2025, 4, 1))  # the 90 days before
    declared(a, 999_00, on=date(2025, 1, 1))  # older: left out of the trend
    db.session.commit()
    [row, _] = members(programme(), today=later)
    assert (row.last_window_cents, row.previous_window_cents, row.trend) == (100_00, 300_00, Trend.DOWN)
    assert row.trend_change == Decimal("-66.7")


def test_breakdown_by_axis_maps_sub_categories_to_their_axis_and_shows_both_amounts(alliance):
    a = alliance["a"]
    declared(a, 100_00, category="ai.llm")
    declared(a, 200_00, category="ai.vision", cls="large")
    declared(a, 400_00, category="ai")  # an axis code itself
    declared(a, 800_00, category="cyber.soc")
    declared(a, 1_600_00, category=None)
    declared(a, 3_200_00, category="quantum.pqc", status="declared")  # awaiting: not in breakdowns
    db.session.commit()

    with force_locale("en"):
        rows = {r.key: (r.label, r.eligible_cents, r.eligible_count, r.all_cents, r.all_count)
                for r in breakdown("axis", programme()).rows}
    assert rows == {
        "ai": ("Artificial intelligence", 500_00, 2, 700_00, 3),
        "cyber": ("Cybersecurity", 800_00, 1, 800_00, 1),
        "none": ("Category not stated", 1_600_00, 1, 1_600_00, 1),
    }
    with force_locale("fr"):
        assert breakdown("axis", programme()).rows[0].label == "Intelligence artificielle"


def test_breakdowns_by_supplier_class_geography_route_and_hosting(alliance):
    a = alliance["a"]
    declared(a, 100_00, cls="startup", secnumcloud=True)
    declared(a, 300_00, cls="sme", country="DE", secnumcloud=False)
    declared(a, 600_00, cls="large", country="US")
    db.session.commit()

    by_class = {r.key: r.all_cents for r in breakdown("class", programme()).rows}
    assert by_class == {"startup": 100_00, "sme": 300_00, "large": 600_00}
    by_geo = {r.key: (r.eligible_cents, r.all_cents) for r in breakdown("geography", programme()).rows}
    assert by_geo == {"fr": (100_00, 100_00), "eu": (0, 300_00), "non_eu": (0, 600_00)}
    assert {r.key: r.all_cents for r in breakdown("route", programme()).rows} == {"private": 1_000_00}
    hosting = breakdown("sovereignty", programme())
    assert {r.key: r.all_cents for r in hosting.rows} == {"secnumcloud": 100_00, "other": 300_00, "none": 600_00}
    assert hosting.secnumcloud_share == Decimal("25.0")  # of the value whose hosting is known


def test_small_business_act_share_counts_eu_smes_and_startups_whatever_the_pledge_rule(alliance):
    a = alliance["a"]
    declared(a, 100_00, cls="startup")
    declared(a, 300_00, cls="sme", country="DE")  # an EU SME: SBA yes, pledge no
    declared(a, 600_00, cls="mid")
    declared(a, 50_00, cls="startup", country="CH")
    db.session.commit()

    overall = sba_overall(programme())
    assert (overall.awarded_cents, overall.eu_sme_cents, overall.eu_sme_share) == (1_050_00, 400_00,
                                                                                  Decimal("38.1"))


def test_suppliers_reached_for_the_first_time_per_buyer_and_overall(alliance):
    a, b = alliance["a"], alliance["b"]
    # Known supplier: bought by Alpha before the programme, by Beta during it.
    declared(a, 100_00, siren="111111111", on=date(2024, 6, 1))
    declared(a, 100_00, siren="111111111", on=date(2025, 2, 1))
    declared(b, 100_00, siren="111111111", on=date(2025, 2, 1))
    # New supplier: first bought during the programme by both.
    declared(a, 100_00, siren="222222222", on=date(2025, 1, 15))
    declared(b, 100_00, siren="222222222", on=date(2025, 2, 15))
    # A rejected purchase does not make a supplier reached.
    declared(b, 100_00, siren="333333333", on=date(2025, 2, 15), status="rejected")
    db.session.commit()

    per_buyer = {r.name: (r.suppliers, r.first_time_suppliers) for r in sba_by_buyer(programme())}
    assert per_buyer == {"Groupe Alpha": (2, 1), "Groupe Beta": (2, 2)}
    overall = sba_overall(programme())
    assert (overall.suppliers, overall.first_time_suppliers) == (2, 1)
    assert sba_overall(programme(), Scope.of_buyer(b.id)).first_time_suppliers == 2


def test_latest_deals_are_public_needs_awarded_here_with_an_amount_only_when_disclosed(alliance):
    a, owner = alliance["a"], alliance["a_owner"]
    awarded(a, owner, amount_eur=120_000, disclose=True, title="Public and disclosed")
    awarded(a, owner, amount_eur=240_000, disclose=False, title="Public, amount kept private")
    awarded(a, owner, amount_eur=480_000, visibility="invitation", title="Invitation only")
    awarded(a, owner, amount_eur=960_000, visibility="restricted", anonymised=True, title="Anonymised buyer")
    declared(a, 5_000_00)  # declared purchases are not deals awarded here
    db.session.commit()

    deals = {d.title: (d.buyer, d.amount_cents) for d in latest_deals(programme())}
    assert deals == {
        "Public and disclosed": ("Groupe Alpha", 120_000_00),
        "Public, amount kept private": ("Groupe Alpha", None),
    }
