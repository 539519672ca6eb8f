"""Security headers: a strict Content-Security-Policy (no inline script or style, no framing),
nosniff, a referrer policy, and HSTS only over HTTPS; stored files keep their sandbox."""

from __future__ import annotations


def policy_of(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))}


def test_pages_forbid_inline_scripts_and_framing(client):
    response = client.get("/")
    csp = policy_of(response)
    assert csp["script-src"] == "'self'" and "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["style-src"] == "'self'" and csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["form-action"].startswith("'self'") and "https://checkout.stripe.com" in csp["form-action"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS means nothing


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_errors_and_the_api_carry_the_headers_too(client):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "frame-ancestors 'none'" in missing.headers["Content-Security-Policy"]
    api = client.get("/api/v1/needs")
    assert api.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in api.headers


def test_the_api_reference_page_needs_no_exception_to_the_policy(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "<style" not in html and "style=" not in html and "<script>" not in html
