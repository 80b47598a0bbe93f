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
