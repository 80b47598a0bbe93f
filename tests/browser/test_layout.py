"""The base layout in a real browser: axe-core clean, keyboard reachable, reflows at 320 CSS pixels."""

import pytest

PAGES = ["/", "/impressum/", "/datenschutz/", "/barrierefreiheit/", "/leichte-sprache/"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", PAGES)
def test_public_layout_pages_have_no_axe_violations(page, assert_accessible, path):
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "de"
    assert_accessible(page)


def test_not_found_page_is_german_and_accessible(page, assert_accessible):
    response = page.goto("/diese-seite-gibt-es-nicht/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Seite nicht gefunden"
    assert_accessible(page)


def test_fonts_and_styles_load_from_our_origin(page):
    page.goto("/")
    page.wait_for_load_state("networkidle")
    # KERN's stylesheet is applied (its font stack) and Fira Sans was actually fetched from /static/.
    font_family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Fira Sans" in font_family
    assert page.evaluate("document.fonts.check('16px \"Fira Sans\"')")
    assert any("/static/vendor/kern/fonts/fira-sans/" in url for url in page.requested_urls)


def test_first_tab_focuses_a_visible_skip_link_that_moves_focus_to_main(page):
    page.goto("/")
    skip = page.locator(".portal-skip-link")
    assert not _in_viewport(page, ".portal-skip-link")  # hidden until focused

    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#inhalt"
    assert skip.is_visible()
    assert _in_viewport(page, ".portal-skip-link")
    # A visible focus indicator: an outline of at least 2 px.
    outline = page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")
    assert outline >= 2

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
    # The next Tab lands on the first link inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_every_link_in_header_and_footer_shows_a_focus_outline(page):
    page.goto("/")
    links = page.locator("header a, footer a")
    count = links.count()
    assert count >= 8
    for index in range(count):
        links.nth(index).focus()
        style = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        assert style[0] != "none" and style[1] >= 2, (links.nth(index).get_attribute("href"), style)


@pytest.mark.parametrize("path", [*PAGES, "/diese-seite-gibt-es-nicht/"])
def test_no_horizontal_scrolling_at_320_css_pixels(page, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, f"{path}: {scroll_width} > {client_width}"


def _in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        "(sel) => { const r = document.querySelector(sel).getBoundingClientRect();"
        " return r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth; }",
        selector,
    )


# --- Shared pieces in a real page: charts with tables, progress, pagination, notices, breadcrumbs, cards ----------


def _showcase(request):
    """A page built only from the shared pieces, as the OZG and funding pages will use them."""
    from decimal import Decimal

    from django.core.paginator import Paginator
    from django.template.response import TemplateResponse

    from common import charts
    from common.formatting import format_euro

    bars = {
        "title": "Leistungen online je Themenfeld",
        "categories": ["Bauen & Wohnen", "Familie & Kind", "Unternehmensführung & -entwicklung"],
        "series": [{"label": "online", "values": [36, 31, 24]}, {"label": "geplant", "values": [19, 7, None]}],
        "unit": "Leistungen",
    }
    money = {
        "title": "Mittel je Jahr",
        "categories": ["2024", "2025"],
        "series": [{"label": "Land", "values": [Decimal("3000000"), Decimal("2950000")]}],
        "value_format": format_euro,
    }
    months = [f"{m:02d}/2026" for m in range(1, 13)]
    line = {"title": "Anteil online", "categories": months, "series": [{"label": "Kreise", "values": list(range(12))}]}
    context = {
        "bar": charts.bar_chart(description="Zahl der Leistungen je Themenfeld.", **bars),
        "bar_table": charts.chart_table(**bars, category_header="Themenfeld"),
        "columns": charts.bar_chart(description="Landesmittel je Jahr.", horizontal=False, **money),
        "columns_table": charts.chart_table(**money, category_header="Jahr"),
        "line": charts.line_chart(
            description="Anteil je Monat.", x_labels=months, series=line["series"], unit="%", title=line["title"]
        ),
        "line_table": charts.chart_table(**line, unit="%", category_header="Monat"),
        "empty": charts.bar_chart(title="Noch keine Daten", description="Leer.", categories=[], series=[]),
        "progress": charts.progress_bar(label="Fokusleistungen online", value=42, max_value=60),
        "page_obj": Paginator(list(range(1000)), 50).get_page(request.GET.get("seite", 7)),
        "breadcrumbs": [{"label": "Startseite", "url": "/"}, {"label": "Bausteine", "url": ""}],
    }
    template = (
        '{% extends "base.html" %}{% block title %}Bausteine{% endblock %}{% block content %}'
        '<div class="kern-container"><h1 class="kern-heading-x-large">Bausteine</h1>'
        '<h2 class="kern-heading-medium">Balken</h2>{{ bar }}'
        '{% include "includes/chart_table.html" with table=bar_table %}'
        '<h2 class="kern-heading-medium">Säulen</h2>{{ columns }}'
        '{% include "includes/chart_table.html" with table=columns_table %}'
        '<h2 class="kern-heading-medium">Verlauf</h2>{{ line }}'
        '{% include "includes/chart_table.html" with table=line_table %}'
        '<h2 class="kern-heading-medium">Leer</h2>{{ empty }}{{ progress }}'
        '<h2 class="kern-heading-medium">Liste</h2>{% include "includes/empty_state.html" with title="Keine Treffer" %}'
        '{% include "includes/pagination.html" %}</div>{% endblock %}'
    )
    from django.template import engines

    return TemplateResponse(request, engines["django"].from_string(template), context)


def _notices(request):
    return [{"level": "warning", "title": "Beispieldaten", "text": "Alle Zahlen auf dieser Seite sind Beispieldaten."}]


_APP_PREFIXES = {"kommunen/", "kooperationen/", "ozg/", "finanzierung/", "opendata/"}


class ShowcaseUrlconf:
    """The project's own pages plus stand-ins for three sections; the real domain apps are left out so that the
    test does not depend on how far they are."""

    from django.urls import include, path

    from itvsh_portal.urls import urlpatterns as _project

    urlpatterns = [
        path("bausteine/", _showcase),
        path("kommunen/", include(([path("", _showcase, name="search")], "organisations"))),
        path("kooperationen/", include(([path("", _showcase, name="list")], "cooperations"))),
        path("finanzierung/", include(([path("", _showcase, name="overview")], "funding"))),
        *[pattern for pattern in _project if str(pattern.pattern) not in _APP_PREFIXES],
    ]


@pytest.fixture
def showcase(settings):
    settings.ROOT_URLCONF = ShowcaseUrlconf
    settings.PORTAL_NOTICE_PROVIDERS = ["tests.browser.test_layout._notices"]


def test_charts_tables_pagination_and_notices_have_no_axe_violations(page, assert_accessible, showcase):
    response = page.goto("/bausteine/?q=Kiel&seite=7")
    assert response.status == 200
    assert page.locator("svg.portal-chart[role=img]").count() == 4
    assert page.locator("table.kern-table caption").count() == 3
    assert page.locator(".kern-alert--warning").inner_text().count("Beispieldaten") == 2
    assert page.locator("nav[aria-label='Seitennavigation'] a[aria-current=page]").inner_text() == "7"
    assert_accessible(page)
    # Chart colours come from portal.css (not inline): the first bar is painted in series colour 1.
    fill = page.evaluate("getComputedStyle(document.querySelector('rect.chart-bar.series-1')).fill")
    assert fill == "rgb(32, 68, 170)"


def test_pagination_links_keep_the_filters(page, showcase):
    page.goto("/bausteine/?q=Kiel&seite=7")
    page.locator("a[rel=next]").click()
    assert page.url.endswith("/bausteine/?q=Kiel&seite=8")


def test_showcase_reflows_at_320_css_pixels(page, showcase):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/bausteine/")
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width


def test_home_with_sections_is_accessible_and_the_search_submits(page, assert_accessible, showcase):
    page.goto("/")
    assert page.locator(".portal-cards .kern-card").count() == 3
    assert_accessible(page)
    page.get_by_label("Name, Postleitzahl oder Schlüssel").fill("Ascheffel")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kommunen/?q=Ascheffel")
