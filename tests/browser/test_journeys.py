"""The three citizen journeys of issue 16, walked from the home page as she would: at 1280 and 375 CSS px, with and
without JavaScript. Each ends on the page of her place, filtered by what she typed, and the first row answers her:
the service, who is responsible, the stage and a link (the online service or the office's page), all inside the
viewport's width, with no horizontal scrolling. Steps are page loads and clicks; each journey takes two page loads
and one click (open the home page, type place and service, press "Antwort anzeigen").

Also at 375 px: no main public page is wider than the viewport, answer tables turn into cards whose cells carry
their column name, and the map's text renders at 12 px or more.

One data load per test (the real register and catalogue, about 2 s); the four variants of a journey share it."""

import re

import pytest

from .conftest import ONLINE_SERVICE_URL

pytestmark = pytest.mark.django_db(transaction=True)

ASCHEFFEL = "010585890008"
WYK = "010545488164"
KIEL = "010020000000"
VARIANTS = [(1280, True), (1280, False), (375, True), (375, False)]
STEPS = 3  # page loads and clicks: the home page, the click on "Antwort anzeigen", the answer page it loads

# Every element of the answer and whether it lies inside the viewport's width; the page's own scroll width.
ANSWER = """(row) => {
  const inside = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= innerWidth;
  };
  const cells = [...row.children];
  const link = row.querySelector('td:last-child a');
  return {
    cells: cells.map((c) => ({text: c.innerText.trim().replace(/\\s+/g, ' '), inside: inside(c)})),
    link: link && {text: link.innerText.trim(), href: link.href, inside: inside(link)},
    labels: cells.slice(1).map((c) => getComputedStyle(c, '::before').content),
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  };
}"""


def walk(browser, live_server, *, width, javascript, place, service):
    """From the home page: type place and service, press the button; returns the answer page and the steps."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="de-DE",
        java_script_enabled=javascript,
        viewport={"width": width, "height": 800},
    )
    page = context.new_page()
    steps = []
    page.on("load", lambda: steps.append(f"geladen: {page.url}"))
    page.goto("/")
    page.get_by_label("Wo wohnen Sie? Gemeinde, Postleitzahl oder Amt").fill(place)
    page.get_by_label("Was möchten Sie erledigen? (freiwillig)").fill(service)
    steps.append("Klick: Antwort anzeigen")
    with page.expect_navigation():
        page.get_by_role("button", name="Antwort anzeigen").click()
    page.wait_for_load_state()
    return context, page, steps


def answer(page, *, width):
    row = page.locator("table.portal-table--stack tbody tr").first
    found = row.evaluate(ANSWER)
    where = f"{page.url} bei {width} px"
    assert found["scrollWidth"] <= found["clientWidth"], f"{where}: {found['scrollWidth']} px breit"
    assert all(cell["inside"] for cell in found["cells"]), f"{where}: {found['cells']}"
    assert found["link"] is not None and found["link"]["inside"], f"{where}: {found['link']}"
    if width < 640:  # cards: each cell says what it is (the office's cell by itself: "zuständig: …")
        assert found["labels"] == ["none", '"Stand: "', '"Online-Dienst: "'], found["labels"]
        assert found["cells"][1]["text"].startswith(("zuständig: ", "Zuständigkeit noch nicht erfasst"))
    else:  # a table with its header row
        assert found["labels"] == ["none"] * 3, found["labels"]
        assert page.locator("table.portal-table--stack thead th").first.is_visible()
    return found


def journey(browser, live_server, *, place, service, target):
    results = {}
    for width, javascript in VARIANTS:
        context, page, steps = walk(
            browser, live_server, width=width, javascript=javascript, place=place, service=service
        )
        try:
            assert re.search(rf"/ozg/online-erledigen/{target}/\?q=", page.url), page.url
            assert len(steps) == STEPS, steps
            results[(width, javascript)] = answer(page, width=width)
        finally:
            context.close()
    return results


def test_wohngeld_in_wyk_auf_foehr(browser, live_server, portal_data):
    results = journey(browser, live_server, place="Wyk auf Föhr", service="Wohngeld", target=WYK)
    for found in results.values():
        service, office, stage, link = (cell["text"] for cell in found["cells"])
        assert service.startswith("Wohngeld") and "zuständig: Amt Föhr-Amrum" in office
        assert "online verfügbar" in stage
        assert found["link"]["text"] == "Wohngeld online beantragen" and found["link"]["href"] == ONLINE_SERVICE_URL


def test_personalausweis_in_ascheffel(browser, live_server, portal_data):
    results = journey(browser, live_server, place="Ascheffel", service="Personalausweis", target=ASCHEFFEL)
    for found in results.values():
        service, office, stage, link = (cell["text"] for cell in found["cells"])
        assert service.startswith("Personalausweis") and "zuständig: Amt Hüttener Berge" in office
        assert "keine Angabe" in stage and "Noch nicht online" in link  # no status recorded: said, not guessed
        assert found["link"]["text"] == "Amt Hüttener Berge: Kontakt und Angebote"
        assert found["link"]["href"].endswith("/kommunen/010585890000/")


def test_gewerbe_anmelden_in_kiel(browser, live_server, portal_data):
    results = journey(browser, live_server, place="Kiel", service="Gewerbe anmelden", target=KIEL)
    for found in results.values():
        service, office, stage, link = (cell["text"] for cell in found["cells"])
        assert service.startswith("Unternehmensanmeldung") and "zuständig: Kiel, Landeshauptstadt" in office
        assert "keine Angabe" in stage and "Noch nicht online" in link
        assert found["link"]["text"] == "Kiel, Landeshauptstadt: Kontakt und Angebote"


# --- 375 px: no page wider than the viewport, map text readable --------------------------------------------------

MAIN_PAGES = [
    "/",
    "/kommunen/",
    "/kommunen/?q=Kiel",
    f"/kommunen/{WYK}/",
    "/kommunen/010545488000/",
    "/kommunen/010540000000/",
    "/ozg/",
    "/ozg/online-erledigen/",
    f"/ozg/online-erledigen/{WYK}/",
    "/ozg/leistungen/",
    "/ozg/leistungen/10092/",
    "/ozg/umsetzungsstaende/",
    "/ozg/verwaltungen/",
    "/ozg/verwaltungen/010545488000/",
    "/kooperationen/",
    "/finanzierung/",
]

#: Pages whose wide tables are figures beside a chart (the dashboard) or a budget (Finanzierung): there a table
#: may scroll inside its labelled region; on every other main page the answers are cards at 375 px.
FIGURE_PAGES = {"/ozg/", "/finanzierung/"}

# The table regions wider than their box (the reader would have to scroll sideways), by their label.
SCROLLING_TABLES = """() => [...document.querySelectorAll('.portal-table-region, .kern-table-responsive')]
  .filter((region) => region.getClientRects().length && region.scrollWidth > region.clientWidth + 1)
  .map((region) => region.getAttribute('aria-label') || region.getAttribute('aria-labelledby') || region.className)"""

# The smallest rendered size (CSS px) of any visible text in a map: font size times the SVG's scale on screen.
MAP_TEXT = """() => {
  let smallest = null, count = 0;
  for (const text of document.querySelectorAll('svg.portal-map text')) {
    const matrix = text.getScreenCTM();
    if (!matrix || !text.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(text).fontSize) * matrix.a;
    count += 1;
    if (smallest === null || size < smallest) smallest = size;
  }
  return {smallest, count};
}"""


def test_no_main_page_is_wider_than_375_px_and_map_text_is_readable(page, portal_data):
    page.set_viewport_size({"width": 375, "height": 800})
    wider = []
    for path in MAIN_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll_width > client_width:
            wider.append(f"{path}: {scroll_width} > {client_width}")
        if path not in FIGURE_PAGES:  # answers: no table region that the reader has to scroll sideways
            scrolling = page.evaluate(SCROLLING_TABLES)
            if scrolling:
                wider.append(f"{path}: Tabellen mit Querscrollen {scrolling}")
        if path == "/ozg/":
            text = page.evaluate(MAP_TEXT)
            assert text["count"] >= 7, text  # the legends' step bounds and "keine Angabe"
            assert text["smallest"] >= 12, f"Kartentext nur {text['smallest']:.1f} px"
    assert wider == []
    # The register page's locator map marks a small Gemeinde with a pin, not with a ring.
    page.goto(f"/kommunen/{WYK}/")
    assert page.locator("svg.portal-map g.map-marker path").count() == 1
