"""Billing tests share the local Stripe double and an app with billing on (see stripe_double.py)."""

from tests.billing.stripe_double import billing_app, stripe_double  # noqa: F401
