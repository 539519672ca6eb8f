"""Plans are configuration: names, prices and entitlements from BILLING_PLANS, checked at start-up."""

from __future__ import annotations

import json

import pytest

from app.billing.plans import DEFAULT_PLANS, PlansError, free_plan, parse_plans
from app.config import ConfigError, load_config


def test_the_default_plans_are_free_and_pro():
    plans = parse_plans(None)
    assert set(plans) == {"free", "pro"}
    free, pro = plans["free"], plans["pro"]
    assert free_plan(plans) is free and free.is_free and not pro.is_free
    assert isinstance(pro.price_cents, int) and pro.price_cents == 4900
    assert free.entitlements.instant_alerts is False and free.entitlements.private_bids_per_month == 3
    assert pro.entitlements.instant_alerts is True and pro.entitlements.private_bids_per_month is None
    assert pro.name("en") == "Pro" and free.name("fr") == "Gratuit"


def test_an_operator_sets_other_plans_without_code():
    custom = {
        "decouverte": {"name": "Découverte", "price_cents": 0, "entitlements": {"private_bids_per_month": 1}},
        "equipe": {"name": {"fr": "Équipe", "en": "Team"}, "price_cents": 9900, "interval": "year",
                   "stripe_price": "price_team_yearly",
                   "entitlements": {"instant_alerts": True, "private_bids_per_month": 20,
                                    "supplier_analytics": True}},
    }
    plans = parse_plans(json.dumps(custom))
    assert free_plan(plans).code == "decouverte"
    assert plans["decouverte"].entitlements.instant_alerts is False  # an entitlement left out is not given
    assert plans["equipe"].entitlements.private_bids_per_month == 20
    assert plans["equipe"].stripe_price == "price_team_yearly" and plans["equipe"].name("en") == "Team"


@pytest.mark.parametrize(("plans", "says"), [
    ("{not json", "not JSON"),
    ({"free": {"price_cents": 0}, "other": {"price_cents": 0}}, "exactly one plan must cost nothing"),
    ({"pro": {"price_cents": 10}}, "exactly one plan must cost nothing"),
    ({"free": {"price_cents": 1.5}}, "price_cents must be a whole number"),
    ({"free": {"price_cents": 0, "interval": "week"}}, "interval"),
    ({"free": {"price_cents": 0, "entitlements": {"unlimited_everything": True}}}, "unknown entitlement"),
    ({"free": {"price_cents": 0, "entitlements": {"private_bids_per_month": -1}}}, "whole number or null"),
    ({"free": {"price_cents": 0}, "pro": {"price_cents": 5, "stripe_price": "prod_123"}}, "Stripe price id"),
])
def test_malformed_plans_are_refused_with_a_reason(plans, says):
    if isinstance(plans, dict):
        plans = json.dumps({code: {"name": code.title(), **spec} for code, spec in plans.items()})
    with pytest.raises(PlansError, match=says):
        parse_plans(plans)


def test_a_plan_needs_a_name():
    with pytest.raises(PlansError, match="name must be a text"):
        parse_plans(json.dumps({"free": {"price_cents": 0}}))


def test_start_up_stops_on_bad_plans_and_on_billing_without_what_it_needs():
    with pytest.raises(ConfigError) as caught:
        load_config({}, environ={"BILLING_PLANS": "[]"})
    assert caught.value.setting == "BILLING_PLANS"
    with pytest.raises(ConfigError) as caught:
        load_config({}, environ={"STRIPE_SECRET_KEY": "sk_test_abc"})
    assert caught.value.setting == "STRIPE_WEBHOOK_SECRET"
    with pytest.raises(ConfigError) as caught:
        load_config({}, environ={"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"})
    assert caught.value.setting == "BILLING_PLANS" and "pro" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_config({}, environ={"BILLING_GRACE_DAYS": "a week"})
    assert caught.value.setting == "BILLING_GRACE_DAYS"
    config = load_config({}, environ={"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc",
                                      "STRIPE_PRICE_PRO": "price_pro_monthly"})
    assert config["BILLING_ENABLED"] is True and config["BILLING_PLANS"]["pro"].stripe_price == "price_pro_monthly"


def test_billing_is_off_by_default():
    config = load_config({}, environ={})
    assert config["BILLING_ENABLED"] is False
    assert set(config["BILLING_PLANS"]) == set(DEFAULT_PLANS)
