"""Every public page type with realistic data (the real register, OZG catalogue, founding agreements and funding
lines): axe-core with the WCAG 2.1 A/AA rules finds nothing; the page has one h1, a main landmark, lang="de", a
title and a skip link that moves focus to main; every Tab stop shows a visible focus; and it reflows at 320 CSS
pixels without horizontal scrolling (wide tables scroll inside their own keyboard-focusable region)."""

import pytest
from django.conf import settings

from .conftest import ALKERSUM, FOEHR_AMRUM, NORDFRIESLAND, WOHNGELD, Keyboard

pytestmark = pytest.mark.django_db(transaction=True)

# id -> (path, expected status). One entry per page type, plus the variants that render different parts
# (a result list, a filtered table, a Gemeinde/Amt/Kreis page).
PAGES = {
    "home": ("/", 200),
    "register-search": ("/kommunen/", 200),
    "register-results": ("/kommunen/?q=24358", 200),
    "register-error": ("/kommunen/?q=123", 400),  # form error, answered 400
    "register-gemeinde": ("/kommunen/010585890008/", 200),  # Ascheffel
    "register-amt": (f"/kommunen/{FOEHR_AMRUM}/", 200),  # Gemeinden table, agreements section
    "register-kreis": (f"/kommunen/{NORDFRIESLAND}/", 200),
    "agreements-list": ("/kooperationen/", 200),
    "agreements-filtered": ("/kooperationen/?kind=verwaltungskooperation&sort=-term_start", 200),
    "agreement-detail": ("/kooperationen/verwaltungskooperation-foehr-amrum-2024/", 200),
    "agreement-detail-funding": ("/kooperationen/kooperationsvereinbarung-land-itvsh-2025/", 200),
    "agreements-timeline": ("/kooperationen/zeitleiste/", 200),
    "ozg-dashboard": ("/ozg/", 200),
    "ozg-lookup": ("/ozg/online-erledigen/", 200),
    "ozg-lookup-results": ("/ozg/online-erledigen/?ort=Nord", 200),
    "ozg-lookup-error": ("/ozg/online-erledigen/?ort=123", 200),
    "ozg-lookup-gemeinde": (f"/ozg/online-erledigen/{ALKERSUM}/", 200),
    "ozg-lookup-themenfeld": (f"/ozg/online-erledigen/{ALKERSUM}/?themenfeld=1&seite=2", 200),
    "ozg-lookup-empty": (f"/ozg/online-erledigen/{ALKERSUM}/?q=gibtesnicht", 200),
    "ozg-leistung-list": ("/ozg/leistungen/", 200),
    "ozg-leistung-list-filtered": ("/ozg/leistungen/?themenfeld=1&seite=2", 200),
    "ozg-leistung-detail": (f"/ozg/leistungen/{WOHNGELD}/", 200),
    "ozg-status-list": ("/ozg/umsetzungsstaende/", 200),
    "ozg-verwaltung": (f"/ozg/verwaltungen/{FOEHR_AMRUM}/", 200),
    "funding": ("/finanzierung/", 200),
    "funding-filtered": ("/finanzierung/?year=ohne", 200),
    "impressum": ("/impressum/", 200),
    "datenschutz": ("/datenschutz/", 200),
    "barrierefreiheit": ("/barrierefreiheit/", 200),
    "leichte-sprache": ("/leichte-sprache/", 200),
    "opendata": ("/opendata/", 200),
    "opendata-dataset": ("/opendata/register/", 200),
    "not-found": ("/diese-seite-gibt-es-nicht/", 404),
    "not-found-body": ("/kommunen/019999999999/", 404),
}


def _visit(page, name):
    path, status = PAGES[name]
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    return path


# Every table sits in a region of its own that scrolls sideways and can be focused and named.
TABLE_REGIONS = """() => [...document.querySelectorAll('main table')].map((table) => {
  const region = table.closest('.portal-table-region, .kern-table-responsive');
  if (!region) return {table: table.outerHTML.slice(0, 80), problem: 'no scroll region'};
  const named = region.getAttribute('aria-label') || (region.getAttribute('aria-labelledby') || '')
    .split(' ').some((id) => id && document.getElementById(id) && document.getElementById(id).textContent.trim());
  const ok = region.getAttribute('tabindex') === '0' && region.getAttribute('role') === 'region' && named
    && ['auto', 'scroll'].includes(getComputedStyle(region).overflowX);
  return ok ? null : {table: table.outerHTML.slice(0, 80), problem: 'region without tabindex/role/name/overflow'};
}).filter(Boolean)"""

# Elements wider than the viewport (for the failure message).
OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter((el) => {
  const r = el.getBoundingClientRect();
  if (r.right <= document.documentElement.clientWidth + 0.5) return false;
  for (let p = el.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX) && p !== document.body
        && p !== document.documentElement) return false;
  }
  return true;
}).slice(0, 8).map((el) => {
  const right = Math.round(el.getBoundingClientRect().right);
  return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${right}`;
})"""


def _check_structure(page, path):
    assert page.locator("html").get_attribute("lang") == "de"
    title, suffix = page.title(), f" – {settings.PORTAL_NAME}"
    assert title.endswith(suffix) and len(title.removesuffix(suffix).strip()) > 2, title
    assert page.locator("h1").count() == 1, f"h1: {page.locator('h1').all_inner_texts()}"
    assert page.locator("h1").inner_text().strip()
    assert page.locator("main, [role=main]").count() == 1
    assert page.locator("main#inhalt").count() == 1
    # The first Tab reaches the visible skip link; Enter moves focus into main.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#inhalt"
    assert page.locator(".portal-skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"


def _check_focus(page, path):
    page.goto(path)
    stops = Keyboard(page).tab_through()
    assert stops[0]["href"] == "#inhalt" and len(stops) >= 10


def _check_reflow(page, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"{scroll_width} px breit; {page.evaluate(OVERFLOWING)}"
    assert page.evaluate(TABLE_REGIONS) == []
    # Charts and maps scale down to the width they are given.
    too_wide = page.evaluate(
        "() => [...document.querySelectorAll('main svg')].filter((svg) => svg.getBoundingClientRect().width > 320)"
        ".map((svg) => svg.getAttribute('class'))"
    )
    assert too_wide == []


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_reflows(page, portal_data, assert_accessible, name):
    """One test per page type, so that the data are loaded once for all its checks; every failed check is
    reported, not only the first."""
    path = _visit(page, name)
    problems = []
    for label, check in (
        ("axe/Ursprung/CSP", lambda: assert_accessible(page)),
        ("Struktur", lambda: _check_structure(page, path)),
        ("Fokus sichtbar an jedem Tab-Stopp", lambda: _check_focus(page, path)),
        ("Umbruch bei 320 px", lambda: _check_reflow(page, path)),
    ):
        try:
            check()
        except AssertionError as error:
            problems.append(f"{label}: {error}")
    assert problems == [], f"{path}\n" + "\n".join(problems)


def test_main_navigation_folds_into_a_menu_button_at_320_css_pixels(page, assert_accessible):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/ozg/")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    toggle = nav.get_by_role("button", name="Menü")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not nav.get_by_role("link", name="Kooperationen").is_visible()
    # The first screen now shows the page itself, not seven navigation links.
    assert page.locator("h1").bounding_box()["y"] < 640
    assert_accessible(page)

    keys = Keyboard(page)  # reached and opened with the keyboard, its focus visible
    keys.loaded()
    keys.tab_to(lambda f: f["tag"] == "button" and f["text"] == "Menü", "Menü-Schaltfläche")
    keys.enter()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.get_by_role("link", name="Kooperationen").is_visible()
    assert nav.locator("a[aria-current=page]").inner_text() == "OZG-Dashboard"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page)
    assert keys.tab()["text"] == "Startseite"  # into the open list; Escape closes it and returns to the button
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('portal-nav__toggle')")


def test_main_navigation_is_a_plain_list_without_javascript_and_on_wide_screens(browser, live_server, page):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 320, "height": 640}
    )
    plain = context.new_page()
    plain.goto("/")
    nav = plain.get_by_role("navigation", name="Hauptnavigation")
    assert nav.get_by_role("link").count() >= 6 and nav.get_by_role("link", name="Finanzierung").is_visible()
    assert not nav.get_by_role("button", name="Menü").is_visible()
    context.close()

    page.goto("/")  # 1280 px wide, with JavaScript: all links in one row, no menu button
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    assert nav.get_by_role("link", name="Finanzierung").is_visible()
    assert not nav.get_by_role("button", name="Menü").is_visible()


# --- Error pages that need a failing view: 400, 403 and 500 (404 is in PAGES) -----------------------------------


def _bad_request(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("Testanfrage")


def _forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


def _server_error(request):
    raise RuntimeError("Testfehler für die Fehlerseite")


class ErrorUrlconf:
    from django.urls import path

    from itvsh_portal.urls import urlpatterns as _project

    urlpatterns = [
        path("fehler/400/", _bad_request),
        path("fehler/403/", _forbidden),
        path("fehler/500/", _server_error),
        *_project,
    ]


@pytest.mark.parametrize("status", [400, 403, 500])
def test_error_page_is_accessible_and_reflows(page, assert_accessible, settings, status):
    settings.ROOT_URLCONF = ErrorUrlconf
    path = f"/fehler/{status}/"
    response = page.goto(path)
    assert response.status == status
    assert page.locator(".portal-error__code").inner_text() == f"Fehler {status}"
    assert_accessible(page)
    _check_structure(page, path)
    _check_reflow(page, path)
