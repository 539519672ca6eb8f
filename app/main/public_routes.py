"""The endpoints anyone may reach without signing in, each with the reason why.

This is the one declaration of what is public. Every other endpoint refuses an anonymous
visitor (the web: a redirect to the sign-in page, 401, 403 or 404; the API: 401 problem
details), and every endpoint that names an object (a need, a bid, a purchase, ...) checks
its domain's ``policy.py`` before anything else. ``tests/test_route_guards.py`` walks the
URL map and fails on any endpoint that is neither listed here nor refused to an anonymous
visitor, and on any name listed here that no longer exists.

A public endpoint may still show less to an anonymous visitor than to a signed-in one
(needs are filtered by the need policy, commitment exports by the dashboard policy): being
listed here only says that signing in is not required to reach it.
"""

from __future__ import annotations

PUBLIC_ENDPOINT_REASONS: dict[str, str] = {
    # The site itself
    "static": "the stylesheets, scripts and images every page loads, signed in or not",
    "main.home": "the home page; it shows more to signed-in people, by role",
    "main.healthz": "the load balancer's health probe: says whether the app and its database answer",
    "main.set_language": "choosing French or English is offered on every page, before signing in",
    # Accounts: the ways in
    "accounts.login": "the sign-in page",
    "accounts.register": "an organisation registers before it has an account",
    "accounts.forgot_password": "asks for a reset link by email, for someone who cannot sign in",
    "accounts.reset_password": "the emailed reset link; the signed token in the URL is the credential",
    "accounts.logout": "signing out needs no session: for an anonymous visitor it changes nothing",
    # Links in emails, valid without a session
    "alerts.unsubscribe": "the emailed unsubscribe link (one click, RFC 8058); its signed token is the credential",
    "alerts.mute": "the emailed « stop alerts for this need » link; its signed token is the credential",
    # Needs: the open market
    "needs.search": "the needs search; the need policy filters the results to what the visitor may see",
    "needs.detail": "a public need's page; any need the visitor may not see is a 404 (needs.policy)",
    "needs.download": "a visible need's documents; any need the visitor may not see is a 404 (needs.policy)",
    # Open data and the alliance's public figures
    "opendata.index": "the open data page: what is published and how to reuse it",
    "opendata.records": "OCDS records of the needs published as open data (opendata.policy)",
    "opendata.releases": "OCDS releases of the needs published as open data (opendata.policy)",
    "opendata.need_record": "one need's OCDS record; a need not published as open data is a 404",
    "commitments.public": "the alliance's public figures: aggregates only (commitments.dashboard_policy)",
    "commitments.export": "CSV of the public aggregate tables; member detail tables are refused "
                          "to anyone outside the member (commitments.dashboard_policy.may_export)",
    # API documentation (the API's resources themselves all require a token)
    "api-docs.openapi_json": "the OpenAPI description of the API, for client generators",
    "api_docs.index": "the API's reference page",
    # Machine callers with their own credential
    "billing_webhooks.stripe_webhook": "Stripe's event callback; refused unless the Stripe-Signature header "
                                       "verifies with the webhook secret",
}

PUBLIC_ENDPOINTS: frozenset[str] = frozenset(PUBLIC_ENDPOINT_REASONS)


def is_public(endpoint: str | None) -> bool:
    return endpoint in PUBLIC_ENDPOINTS
