"""The API reference page, /api/v1/docs: written from the live OpenAPI document, in
French or English, with only the site's own assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.config import PROJECT_ROOT


class Assets(HTMLParser):
    """The URLs a browser fetches to show a page (stylesheets, scripts, images, frames)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.ids: list[str] = []
        self.headings: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(tag)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.urls.append(attrs.get("href") or "")
        elif tag in {"script", "img", "iframe", "source", "audio", "video"} and attrs.get("src"):
            self.urls.append(attrs["src"])


def parse(html: str) -> Assets:
    parser = Assets()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_answers_in_both_languages_without_a_cookie(client, lang):
    response = client.get(f"/api/v1/docs?lang={lang}")

    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert "Set-Cookie" not in response.headers


def test_the_page_follows_the_language_chosen_on_the_site(client):
    client.get("/?lang=en")

    assert '<html lang="en">' in client.get("/api/v1/docs").get_data(as_text=True)


def test_every_operation_of_the_document_is_on_the_page_with_an_anchor_and_a_curl_example(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    html = client.get("/api/v1/docs?lang=en").get_data(as_text=True)
    page = parse(html)

    operations = [(method.upper(), path) for path, item in spec["paths"].items()
                  for method in item if method in {"get", "post", "put", "patch", "delete"}]
    assert len(operations) >= 19
    for method, path in operations:
        anchor = method.lower() + "-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        assert anchor in page.ids, (method, path)
        assert f"<code class=\"api-path\">{path}</code>" in html, path
    assert html.count("curl -s") == len(operations)
    assert len(page.ids) == len(set(page.ids)), "anchors are unique"
    assert page.headings.count("h1") == 1


def test_tags_schemas_and_shared_topics_are_explained(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    html = client.get("/api/v1/docs?lang=en").get_data(as_text=True)

    for tag in spec["tags"]:
        assert tag["description"].replace("'", "&#39;") in html
    for topic in ("Idempotency-Key", "If-Match", "X-Total-Count", "Retry-After", "application/problem+json",
                  "amount_cents", "UTC", "Bearer"):
        assert topic in html, topic
    # A $ref'd schema becomes a table of its fields, nested objects included.
    assert "<caption>Response 200 of GET /api/v1/needs/{reference}</caption>" in html
    assert '<th scope="col">Field</th>' in html
    assert 'href="/account/api-tokens"' in html


def test_the_page_and_its_stylesheet_fetch_nothing_from_elsewhere(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)

    urls = parse(html).urls
    assert "/static/css/api-docs.css" in urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    for path in ("app/static/css/api-docs.css", "templates/api/docs.html"):
        text = (PROJECT_ROOT / path).read_text()
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|(src|href)=\"(https?:)?//", text), path
    assert client.get("/static/css/api-docs.css").status_code == 200


def test_the_tokens_page_links_to_the_reference(app, client):
    from tests.factories import login, make_org

    with app.app_context():
        _org, user = make_org("startup")
        email = user.email
    login(client, email)

    assert 'href="/api/v1/docs"' in client.get("/account/api-tokens").get_data(as_text=True)
