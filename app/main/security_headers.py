"""Security headers on every response.

The Content-Security-Policy allows only the app's own files: no inline script or style
(pages load htmx and our two scripts with <script src>, styles from app.css), no framing
by other sites, forms posted to this site only — or to Stripe's checkout and customer
portal, where billing redirects an owner. A response that already chose its own policy
(stored files: ``default-src 'none'; sandbox``) keeps it. HSTS is sent only over HTTPS.
"""

from __future__ import annotations

from flask import Flask, request

STRIPE_PAGES = "https://checkout.stripe.com https://billing.stripe.com"
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    f"form-action 'self' {STRIPE_PAGES}",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
