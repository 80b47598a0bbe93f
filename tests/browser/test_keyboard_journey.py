"""A citizen who uses only the keyboard: from the home page she finds her Gemeinde, filters the services by
Themenfeld, pages on and opens the online service. Only Tab, Shift+Tab, Enter and typing after the first page
load (no clicks, no further goto); every element that Tab reaches shows a visible focus indicator that differs
from its unfocused look."""

import re

import pytest

from .conftest import ALKERSUM, ONLINE_SERVICE_URL

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 80

# The look of every focusable element before anything is focused, taken once per loaded document.
SNAPSHOT = """() => {
  if (window.__unfocusedLook) return;
  const look = (el) => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset, s.boxShadow].join(' | '); };
  window.__look = look;
  window.__unfocusedLook = new Map();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
    window.__unfocusedLook.set(el, look(el));
  }
}"""

FOCUSED = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const now = window.__look(el);
  const before = window.__unfocusedLook.get(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href'),
    text: (el.innerText || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().slice(0, 80),
    indicator: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== 'none',
    differs: before !== undefined && before !== now, before: before, now: now,
    onScreen: r.width > 0 && r.height > 0,
  };
}"""


class Keyboard:
    """Presses keys and checks the focus after every Tab."""

    def __init__(self, page):
        self.page = page
        self.visited = []

    def loaded(self):
        self.page.wait_for_load_state()
        self.page.evaluate(SNAPSHOT)

    def tab(self, backwards=False):
        self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = self.page.evaluate(FOCUSED)
        self.visited.append(focused)
        where = f"{self.page.url}: {focused['tag']} {focused['text']!r} {focused['href'] or ''}"
        assert focused["tag"] != "body", f"{self.page.url}: Tab left the page"
        assert focused["onScreen"], f"fokussiert, aber unsichtbar: {where}"
        assert focused["indicator"], f"kein sichtbarer Fokus: {where} ({focused['now']})"
        assert focused["differs"], f"Fokus sieht aus wie ohne Fokus: {where} ({focused['now']})"
        return focused

    def tab_to(self, predicate, what, backwards=False):
        for _ in range(MAX_TABS):
            focused = self.tab(backwards=backwards)
            if predicate(focused):
                return focused
        raise AssertionError(f"{what} nicht per Tab erreichbar auf {self.page.url}")

    def enter(self):
        self.page.keyboard.press("Enter")


def test_keyboard_only_from_home_to_an_online_service(page, portal_data):
    page.route(
        re.compile(r"^https://wohngeld\.example/"),
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body="<!doctype html><html lang='de'><title>Wohngeld-Antrag</title><h1>Wohngeld beantragen</h1></html>",
        ),
    )
    keys = Keyboard(page)
    page.goto("/")  # the only navigation that is not a key press
    keys.loaded()

    # Home page: the main navigation leads to "Online erledigen".
    keys.tab_to(lambda f: f["text"] == "Online erledigen" and f["tag"] == "a", "Navigation „Online erledigen“")
    keys.enter()
    page.wait_for_url("**/ozg/online-erledigen/")
    keys.loaded()

    # Skip link, then into the search field; type the Gemeinde and submit with Enter.
    skip = keys.tab()
    assert skip["href"] == "#inhalt"
    keys.enter()
    assert page.evaluate("document.activeElement.id") == "inhalt"
    keys.tab_to(lambda f: f["id"] == "ort", "Suchfeld Gemeinde")
    page.keyboard.type("Alkersum")
    keys.enter()
    page.wait_for_url(f"**/ozg/online-erledigen/{ALKERSUM}/")
    keys.loaded()
    assert page.locator("h1").inner_text() == "Online erledigen in Alkersum"

    # Filter by Themenfeld: Tab to the select, type to choose, Tab to the button, Enter.
    keys.tab_to(lambda f: f["id"] == "themenfeld", "Auswahl Themenfeld")
    page.keyboard.type("Arbeit")
    assert page.locator("#themenfeld").input_value() == "1"  # Arbeit & Ruhestand
    keys.tab_to(lambda f: f["tag"] == "button" and f["text"] == "Anzeigen", "Schaltfläche „Anzeigen“")
    keys.enter()
    page.wait_for_url(re.compile(r"[?&]themenfeld=1(&|$)"))
    keys.loaded()
    assert page.locator("#ergebnis").inner_text() == "30 Leistungen"
    themen = page.locator("tbody th .kern-body--small").all_inner_texts()
    assert len(themen) == 25 and all(text.startswith("Arbeit & Ruhestand") for text in themen)

    # Wohngeld is on the second page; the pagination link keeps the filter.
    keys.tab_to(lambda f: f["text"] == "Nächste Seite", "Link „Nächste Seite“")
    keys.enter()
    page.wait_for_url(re.compile(r"\?.*themenfeld=1.*&seite=2$"))
    keys.loaded()
    assert page.locator("#themenfeld").input_value() == "1"

    # One Shift+Tab back from the search field lands on the link before it; then on to the online service.
    keys.tab_to(lambda f: f["id"] == "q", "Suchfeld Leistung")
    back = keys.tab(backwards=True)
    assert back["text"] == "Andere Gemeinde wählen"
    service = keys.tab_to(lambda f: f["text"] == "Wohngeld online beantragen", "Link zum Online-Dienst")
    assert service["href"] == ONLINE_SERVICE_URL
    keys.enter()
    page.wait_for_url(ONLINE_SERVICE_URL)
    assert page.locator("h1").inner_text() == "Wohngeld beantragen"

    # Everything Tab reached: links, the skip link, fields, the select, the button, table regions.
    kinds = {focused["tag"] for focused in keys.visited}
    assert {"a", "input", "select", "button", "div"} <= kinds, kinds
