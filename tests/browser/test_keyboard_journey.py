"""A citizen who uses only the keyboard: from the home page she finds her Gemeinde, filters the services by
Themenfeld, pages on and opens the online service. Only Tab, Shift+Tab, Enter and typing after the first page
load (no clicks, no further goto); every element that Tab reaches shows a visible focus indicator that differs
from its unfocused look."""

import re

import pytest

from .conftest import ALKERSUM, ONLINE_SERVICE_URL, Keyboard

pytestmark = pytest.mark.django_db(transaction=True)


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
