"""The public base layout: identity, skip link, navigation, notices, footer, own-origin assets only."""

import re
from decimal import Decimal
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
    # Scripts only as files from our origin (the CSP forbids inline code), no <style> blocks.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'\bsrc="/static/', tag) for tag in scripts), scripts
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


def test_home_page_costs_no_queries(client, django_assert_num_queries, warm_notices):
    with django_assert_num_queries(0):
        assert client.get("/").status_code == 200


# --- Legal pages ---------------------------------------------------------------------------------------

LEGAL_PAGES = {
    "/impressum/": (
        "Impressum",
        ["§ 5 Digitale-Dienste-Gesetz", "Anstalt des öffentlichen Rechts", "Vertretung", "Aufsicht"],
    ),
    "/datenschutz/": (
        "Datenschutzerklärung",
        ["keine Analyse- oder Tracking-Werkzeuge", "csrftoken", "Artikel 77 DSGVO"],
    ),
    "/barrierefreiheit/": (
        "Erklärung zur Barrierefreiheit",
        ["teilweise vereinbar", "Nicht barrierefreie Inhalte", "Feedback und Kontakt", "Schlichtungsverfahren"],
    ),
    "/leichte-sprache/": ("Informationen in Leichter Sprache", ["Was ist das für eine Internet-Seite?"]),
}


@pytest.mark.parametrize("path", LEGAL_PAGES)
def test_legal_pages_have_structure_and_mark_operator_facts_as_placeholders(
    client, path, django_assert_num_queries, warm_notices
):
    heading, phrases = LEGAL_PAGES[path]
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    tags = elements(html)
    assert [tag for tag, _ in tags].count("h1") == 1
    assert f'<h1 class="kern-heading-x-large">{heading}</h1>' in html
    assert "Stand: <time datetime=" in html
    for phrase in phrases:
        assert phrase in html, phrase
    # Facts only the operator knows are visibly marked, never invented.
    if path != "/leichte-sprache/":
        assert 'class="portal-placeholder"' in html
    # The current page is linked from the footer of every page.
    assert path in [attrs.get("href") for tag, attrs in tags if tag == "a"]


def test_contact_email_setting_replaces_the_placeholder(client, settings):
    settings.PORTAL_CONTACT_EMAIL = "barrierefreiheit@itvsh.example"
    html = client.get("/barrierefreiheit/").content.decode()
    assert '<a href="mailto:barrierefreiheit@itvsh.example">barrierefreiheit@itvsh.example</a>' in html
    assert "E-Mail-Adresse für Rückmeldungen" not in html


@pytest.mark.parametrize("path", ["/", *LEGAL_PAGES])
def test_public_pages_set_no_cookies(client, path):
    """The privacy statement promises: no cookies on public pages."""
    response = client.get(path)
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers


# --- Error pages ---------------------------------------------------------------------------------------


def test_not_found_page_is_german_and_uses_the_layout(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Seite nicht gefunden" in html
    assert 'href="#inhalt"' in html and '<nav class="portal-nav"' in html


def test_server_error_and_bad_request_pages_render_without_context_or_database(django_assert_num_queries):
    """Django renders 500.html and 400.html with an empty context (no request, no context processors)."""
    from django.template import Context, loader

    for name, heading in [("500.html", "Technischer Fehler"), ("400.html", "Ungültige Anfrage")]:
        with django_assert_num_queries(0):
            html = loader.get_template(name).render()
        assert html.startswith("<!doctype html>")
        assert heading in html and 'lang="de"' in html
        assert 'href="/static/vendor/kern/kern.min.css"' in html
        assert loader.get_template(name).template.render(Context()) == html


def test_permission_denied_page_is_german(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/admin/irgendwas/"), PermissionDenied())
    assert response.status_code == 403
    assert "Zugriff nicht erlaubt" in response.content.decode()


# --- Shared pieces: pagination, empty state, formatting filters ------------------------------------------


def render_include(name: str, path: str, context: dict) -> str:
    from django.template.loader import render_to_string

    return render_to_string(name, context, request=RequestFactory().get(path))


def test_pagination_keeps_the_query_string_and_marks_the_current_page():
    from django.core.paginator import Paginator

    page_obj = Paginator(list(range(1, 1001)), 50).get_page(7)
    html = render_include("includes/pagination.html", "/kommunen/?q=Kiel&kind=amt&seite=7", {"page_obj": page_obj})
    tags = elements(html)
    assert [attrs for tag, attrs in tags if tag == "nav"] == [
        {"class": "portal-pagination", "aria-label": "Seitennavigation"}
    ]
    links = [attrs for tag, attrs in tags if tag == "a"]
    hrefs = [link["href"] for link in links]  # the parser unescapes &amp;
    assert hrefs[0] == "?q=Kiel&kind=amt&seite=6" and links[0]["rel"] == "prev"
    assert hrefs[-1] == "?q=Kiel&kind=amt&seite=8" and links[-1]["rel"] == "next"
    numbers = [link["aria-label"] for link in links[1:-1]]
    # Elided range around page 7 of 20: 1 … 5 6 [7] 8 9 … 20
    assert numbers == ["Seite 1", "Seite 5", "Seite 6", "Seite 7, aktuelle Seite", "Seite 8", "Seite 9", "Seite 20"]
    assert [link for link in links if "aria-current" in link] == [
        {
            "class": "portal-pagination__current",
            "href": "?q=Kiel&kind=amt&seite=7",
            "aria-current": "page",
            "aria-label": "Seite 7, aktuelle Seite",
        }
    ]
    assert html.count("…") == 2
    assert "Seite 7 von 20, Einträge 301 bis 350 von 1.000" in html


def test_pagination_first_last_and_single_page():
    from django.core.paginator import Paginator

    paginator = Paginator(list(range(30)), 10)
    first = render_include("includes/pagination.html", "/x/", {"page_obj": paginator.get_page(1)})
    assert 'rel="prev"' not in first and 'rel="next"' in first
    last = render_include("includes/pagination.html", "/x/", {"page_obj": paginator.get_page(3)})
    assert 'rel="prev"' in last and 'rel="next"' not in last
    single = render_include("includes/pagination.html", "/x/", {"page_obj": Paginator([1, 2], 10).get_page(1)})
    assert single.strip() == ""


def test_empty_state_include():
    html = render_include(
        "includes/empty_state.html",
        "/kooperationen/?thema=x",
        {"title": "Keine Kooperationen gefunden", "text": "Ändern Sie die Filter.", "action_url": "/kooperationen/"},
    )
    assert "Keine Kooperationen gefunden" in html and "Ändern Sie die Filter." in html
    assert '<a href="/kooperationen/">Alle Filter zurücksetzen</a>' in html
    assert "Keine Einträge vorhanden." in render_include("includes/empty_state.html", "/", {})


def test_formatting_filters_use_german_formats():
    html = Template(
        "{% load portal_tags %}{{ money|euro }}|{{ count|number }}|{{ share|number:1 }}|{{ share|percent }}|"
        "{{ share|percent:1 }}|{{ missing|euro }}"
    ).render(
        RequestContext(
            RequestFactory().get("/"),
            {"money": Decimal("12345.6"), "count": 2959517, "share": Decimal("42.55"), "missing": None},
        )
    )
    assert html == "12.345,60\u00a0€|2.959.517|42,6|43\u00a0%|42,6\u00a0%|–"


def test_static_falls_back_to_the_plain_url_before_collectstatic():
    html = Template("{% load static %}{% static 'css/portal.css' %}").render(RequestContext(RequestFactory().get("/")))
    assert html == "/static/css/portal.css"
