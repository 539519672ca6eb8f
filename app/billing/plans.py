"""Plans as configuration: names, prices and entitlements come from ``BILLING_PLANS``.

Suppliers have plans; buyers post for free. Access to and bidding on public-route needs is
always free whatever the plan (public procurement documents must be freely accessible): no
entitlement below can restrict them. A plan is described by

    {"name": {"fr": "Pro", "en": "Pro"}, "price_cents": 4900, "interval": "month",
     "stripe_price": "price_…", "entitlements": {"instant_alerts": true,
     "private_bids_per_month": null, "supplier_analytics": true}}

``private_bids_per_month`` is a whole number of first submissions per calendar month (Paris
time) on private-route needs, or null for no limit. Exactly one plan costs nothing: the
plan of every supplier without a paid subscription.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

CURRENCY = "EUR"
INTERVALS = ("month", "year")

DEFAULT_PLANS = {
    "free": {
        "name": {"fr": "Gratuit", "en": "Free"},
        "price_cents": 0,
        "interval": "month",
        "entitlements": {"instant_alerts": False, "private_bids_per_month": 3, "supplier_analytics": False},
    },
    "pro": {
        "name": {"fr": "Pro", "en": "Pro"},
        "price_cents": 4900,
        "interval": "month",
        "entitlements": {"instant_alerts": True, "private_bids_per_month": None, "supplier_analytics": True},
    },
}


@dataclass(frozen=True)
class Entitlements:
    """What a supplier may do beyond what is always free."""

    instant_alerts: bool  # alerts as soon as a need matches (else in the daily digest)
    private_bids_per_month: int | None  # first submissions on private-route needs; None: no limit
    supplier_analytics: bool  # the supplier's analytics page

    @classmethod
    def unlimited(cls) -> Entitlements:
        return cls(instant_alerts=True, private_bids_per_month=None, supplier_analytics=True)


@dataclass(frozen=True)
class Plan:
    code: str
    names: dict[str, str]
    price_cents: int
    interval: str
    entitlements: Entitlements
    stripe_price: str | None = None

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0

    def name(self, locale: str = "fr") -> str:
        return self.names.get(locale) or self.names.get("fr") or self.code


class PlansError(ValueError):
    """``BILLING_PLANS`` is malformed; the message says where."""


def _entitlements(code: str, raw) -> Entitlements:
    if not isinstance(raw, dict):
        raise PlansError(f"plan {code!r}: entitlements must be an object")
    unknown = set(raw) - {"instant_alerts", "private_bids_per_month", "supplier_analytics"}
    if unknown:
        raise PlansError(f"plan {code!r}: unknown entitlement {sorted(unknown)[0]!r}")
    bids = raw.get("private_bids_per_month")
    if bids is not None and (not isinstance(bids, int) or isinstance(bids, bool) or bids < 0):
        raise PlansError(f"plan {code!r}: private_bids_per_month must be a whole number or null")
    flags = {}
    for flag in ("instant_alerts", "supplier_analytics"):
        value = raw.get(flag, False)
        if not isinstance(value, bool):
            raise PlansError(f"plan {code!r}: {flag} must be true or false")
        flags[flag] = value
    return Entitlements(private_bids_per_month=bids, **flags)


def parse_plans(raw: str | dict | None, *, stripe_prices: dict[str, str] | None = None) -> dict[str, Plan]:
    """The plans of ``BILLING_PLANS`` (JSON text or a dict; None: the defaults)."""
    if raw is None or raw == "":
        data = DEFAULT_PLANS
    elif isinstance(raw, str):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PlansError(f"not JSON ({exc.msg} at character {exc.pos})") from None
    else:
        data = raw
    if not isinstance(data, dict) or not data:
        raise PlansError("expected an object of plans by code")
    plans = {}
    for code, spec in data.items():
        if not isinstance(code, str) or not code.isidentifier() or len(code) > 40:
            raise PlansError(f"plan code {code!r} must be a short identifier")
        if not isinstance(spec, dict):
            raise PlansError(f"plan {code!r} must be an object")
        names = spec.get("name") or {}
        if isinstance(names, str):
            names = {"fr": names, "en": names}
        if not isinstance(names, dict) or not all(isinstance(v, str) and v for v in names.values()) or not names:
            raise PlansError(f"plan {code!r}: name must be a text or an object of texts by language")
        price = spec.get("price_cents")
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            raise PlansError(f"plan {code!r}: price_cents must be a whole number of cents")
        interval = spec.get("interval", "month")
        if interval not in INTERVALS:
            raise PlansError(f"plan {code!r}: interval must be one of {', '.join(INTERVALS)}")
        stripe_price = (stripe_prices or {}).get(code) or spec.get("stripe_price")
        if stripe_price is not None and (not isinstance(stripe_price, str) or not stripe_price.startswith("price_")):
            raise PlansError(f"plan {code!r}: stripe_price must be a Stripe price id (price_…)")
        plans[code] = Plan(code=code, names=dict(names), price_cents=price, interval=interval,
                           entitlements=_entitlements(code, spec.get("entitlements", {})), stripe_price=stripe_price)
    free = [plan for plan in plans.values() if plan.is_free]
    if len(free) != 1:
        raise PlansError("exactly one plan must cost nothing (the plan of suppliers without a subscription)")
    return plans


def free_plan(plans: dict[str, Plan]) -> Plan:
    return next(plan for plan in plans.values() if plan.is_free)


def billing_settings(get) -> dict[str, object]:
    """The billing settings of app.config: plans, grace period, Stripe keys."""
    from app.config import ConfigError

    stripe_key = get("STRIPE_SECRET_KEY")
    if stripe_key and not stripe_key.startswith(("sk_", "rk_")):
        raise ConfigError("STRIPE_SECRET_KEY", "malformed key; expected sk_live_..., sk_test_... or rk_...")
    webhook_secret = get("STRIPE_WEBHOOK_SECRET")
    if webhook_secret and not webhook_secret.startswith("whsec_"):
        raise ConfigError("STRIPE_WEBHOOK_SECRET", "malformed secret; expected whsec_...")
    prices = {}
    pro_price = get("STRIPE_PRICE_PRO")
    if pro_price:
        prices["pro"] = pro_price
    try:
        plans = parse_plans(get("BILLING_PLANS"), stripe_prices=prices)
    except PlansError as exc:
        raise ConfigError("BILLING_PLANS" if not pro_price else "STRIPE_PRICE_PRO", str(exc)) from None
    if stripe_key:
        if not webhook_secret:
            raise ConfigError("STRIPE_WEBHOOK_SECRET", "required when STRIPE_SECRET_KEY turns billing on")
        unpriced = [plan.code for plan in plans.values() if not plan.is_free and not plan.stripe_price]
        if unpriced:
            raise ConfigError("BILLING_PLANS", f"plan {unpriced[0]!r} needs its Stripe price id (stripe_price, "
                                               "or STRIPE_PRICE_PRO for the pro plan) when billing is on")
    grace = get("BILLING_GRACE_DAYS", "7")
    if not grace.isdigit() or not 0 <= int(grace) <= 60:
        raise ConfigError("BILLING_GRACE_DAYS", "expected a whole number of days from 0 to 60")
    return {
        "STRIPE_SECRET_KEY": stripe_key,
        "STRIPE_WEBHOOK_SECRET": webhook_secret,
        # Where the stripe library sends its requests (tests point it at a local double)
        "STRIPE_API_BASE": get("STRIPE_API_BASE"),
        "BILLING_ENABLED": bool(stripe_key),
        "BILLING_PLANS": plans,
        # After a failed payment the paid plan is kept this many days, then the supplier is moved to the free plan
        "BILLING_GRACE_DAYS": int(grace),
    }
