"""The public base layout: identity, skip link, navigation, notices, footer, own-origin assets only."""

import re
from html.parser import HTMLParser

import pytest
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import include, path

from itvsh_portal import context_processors
from itvsh_portal.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db


def _stub(request):
    return HttpResponse("stub")


def _app_stub(namespace: str, prefix: str, name: str):
    return path(prefix, include(([path("", _stub, name=name)], namespace)))


# URL confs for tests that must not depend on which domain apps have registered their pages yet.
_APP_PREFIXES = {"kommunen/", "kooperationen/", "ozg/", "finanzierung/", "opendata/"}


class BareUrlconf:
    """The project's own pages (home, legal pages, API) without any domain app's pages."""

    urlpatterns = [p for p in project_urlpatterns if str(p.pattern) not in _APP_PREFIXES]


class SectionsUrlconf:
    """Stand-ins for the register search and the agreements list, as those apps will add them."""

    urlpatterns = [
        _app_stub("organisations", "kommunen/", "search"),
        _app_stub("cooperations", "kooperationen/", "list"),
        *BareUrlconf.urlpatterns,
    ]


class OpendataUrlconf:
    urlpatterns = [_app_stub("opendata", "opendata/", "index"), *BareUrlconf.urlpatterns]


class _Elements(HTMLParser):
    """Collects (tag, attrs) of every start tag, so tests can assert on structure instead of substrings."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def render_page(path="/kooperationen/", content="<h1>Seite</h1>", extra=None):
    request = RequestFactory().get(path)
    template = Template(
        '{% extends "base.html" %}{% block title %}Testseite{% endblock %}'
        "{% block content %}" + content + "{% endblock %}"
    )
    return template.render(RequestContext(request, extra or {}))


def test_base_has_language_identity_skip_link_and_main_target():
    html = render_page()
    tags = elements(html)
    assert tags[0] == ("html", {"lang": "de", "data-kern-theme": "light"})
    assert "<title>Testseite – Digitalisierungsportal Schleswig-Holstein</title>" in html
    # The first focusable element is the skip link, and its target is the main landmark.
    first_link = next(attrs for tag, attrs in tags if tag == "a")
    assert first_link == {"class": "portal-skip-link", "href": "#inhalt"}
    mains = [attrs for tag, attrs in tags if tag == "main"]
    assert mains == [{"id": "inhalt", "class": "portal-main", "tabindex": "-1"}]
    assert "IT-Verbund Schleswig-Holstein (ITV.SH)" in html


def test_navigation_marks_only_the_active_section(settings):
    request = RequestFactory().get("/impressum/")
    context = context_processors.portal(request)
    labels = [str(item["label"]) for item in context["navigation"]]
    # Sections whose app has no URL yet are left out; the home page is always there.
    assert labels[0] == "Startseite"
    nav = [(item["url"], item["active"]) for item in context["navigation"]]
    assert ("/", False) in nav

    html = render_page(path="/")
    current = [attrs for tag, attrs in elements(html) if tag == "a" and "aria-current" in attrs]
    assert current == [{"class": "portal-nav__link", "href": "/", "aria-current": "page"}]


def test_navigation_entries_carry_url_names_and_skip_unknown_sections(monkeypatch):
    monkeypatch.setattr(
        context_processors,
        "NAVIGATION",
        [("Startseite", "home"), ("Gibt es nicht", "nirgends:index"), ("Impressum", "impressum")],
    )
    items = context_processors.navigation_items("/impressum/")
    assert [(item["name"], item["url"], item["active"]) for item in items] == [
        ("home", "/", False),
        ("impressum", "/impressum/", True),
    ]


def test_footer_links_legal_pages_api_docs_and_attributions(settings):
    settings.ROOT_URLCONF = BareUrlconf
    html = render_page()
    hrefs = [attrs.get("href") for tag, attrs in elements(html) if tag == "a"]
    for url in ["/impressum/", "/datenschutz/", "/barrierefreiheit/", "/leichte-sprache/", "/api/v1/docs/"]:
        assert url in hrefs, url
    assert "Statistisches Bundesamt (Destatis)" in html
    assert "© GeoBasis-DE / BKG" in html
    # Offene Daten appears only once the open data app has registered `opendata:index`.
    assert "Offene Daten" not in html

    settings.ROOT_URLCONF = OpendataUrlconf
    html = render_page()
    footer = html[html.index("<footer") :]
    assert '<a href="/opendata/">Offene Daten</a>' in footer


def test_no_notices_region_without_notices():
    html = render_page()
    assert 'aria-label="Hinweise"' not in html
    assert "kern-alert" not in html


def test_notice_providers_render_escaped_alerts(settings):
    settings.PORTAL_NOTICE_PROVIDERS = ["tests.portal.test_layout.demo_notices"]
    html = render_page()
    assert html.count('class="kern-alert kern-alert--warning portal-notice"') == 1
    assert html.count('class="kern-alert kern-alert--info portal-notice"') == 1  # unknown level -> info
    assert "Beispieldaten &lt;b&gt;" in html
    assert "<b>" not in html
    assert '<span class="kern-title">Achtung</span>' in html  # default title per level


def demo_notices(request):
    return [
        {"level": "warning", "text": "Beispieldaten <b>"},
        {"level": "bogus", "text": "Noch ein Hinweis", "title": "Info"},
    ]


def test_breadcrumbs_from_context_mark_the_current_page():
    html = render_page(extra={"breadcrumbs": [{"label": "Startseite", "url": "/"}, {"label": "Impressum", "url": ""}]})
    assert 'aria-label="Sie sind hier"' in html
    assert re.search(r'<li class="portal-breadcrumbs__item" aria-current="page">Impressum</li>', html)


def test_all_assets_come_from_our_origin():
    html = render_page()
    for tag, attrs in elements(html):
        for attribute in ("src", "srcset"):
            if attribute in attrs:
                assert attrs[attribute].startswith("/static/"), (tag, attrs)
        if tag == "link":
            assert attrs["href"].startswith("/static/"), attrs
        assert "style" not in attrs, (tag, attrs)
    assert "<script" not in html
    assert "<style" not in html


# --- Home page -----------------------------------------------------------------------------------------


def test_home_page_before_any_section_exists(client, settings):
    settings.ROOT_URLCONF = BareUrlconf
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Digitalisierungsportal Schleswig-Holstein" in html
    # Without the register's search URL there is no form that would post into the void, but a clear text.
    assert 'role="search"' not in html
    assert "wird gerade eingerichtet" in html
    assert "portal-empty-state" in html
    assert response.context["sections"] == []


def test_home_page_offers_search_and_only_existing_sections(client, settings):
    settings.ROOT_URLCONF = SectionsUrlconf
    response = client.get("/")
    assert response.status_code == 200
    tags = elements(response.content.decode())
    forms = [attrs for tag, attrs in tags if tag == "form"]
    assert forms == [
        {
            "class": "portal-search-form",
            "method": "get",
            "action": "/kommunen/",
            "role": "search",
            "aria-labelledby": "kommune-finden",
        }
    ]
    inputs = [attrs for tag, attrs in tags if tag == "input"]
    assert [(i["name"], i["id"]) for i in inputs] == [("q", "suche-kommune")]
    assert [attrs["for"] for tag, attrs in tags if tag == "label"] == ["suche-kommune"]
    cards = [attrs["href"] for tag, attrs in tags if tag == "a" and "kern-link--stretched" in attrs.get("class", "")]
    assert cards == ["/kommunen/", "/kooperationen/"]
    assert [item["name"] for item in response.context["sections"]] == ["organisations:search", "cooperations:list"]
    # The navigation shows the same sections.
    nav = [attrs["href"] for tag, attrs in tags if tag == "a" and attrs.get("class") == "portal-nav__link"]
    assert nav == ["/", "/kommunen/", "/kooperationen/"]


def test_home_page_costs_no_queries(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200
