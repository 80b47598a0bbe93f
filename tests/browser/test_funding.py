"""The transparency page „Finanzierung“ in a real browser: figures visible, filter works without JavaScript,
axe-clean (WCAG 2.1 A/AA) and nothing loaded from another origin."""

from decimal import Decimal

import pytest

from funding.models import Drawdown
from tests.funding.factories import BudgetLineFactory, DrawdownFactory, InKindFactory, agreement


@pytest.fixture
def funding_data(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    kv = agreement()
    line = BudgetLineFactory(
        fiscal_year=2025,
        planned_amount=Decimal("3000000.00"),
        amount_is_approximate=True,
        amount_wording="knapp 3 Millionen Euro pro Jahr",
        agreement=kv,
        year_is_stated=False,
    )
    DrawdownFactory(line=line, status=Drawdown.Status.AUSGEZAHLT, amount=Decimal("250000.00"))
    BudgetLineFactory(fiscal_year=None, year_is_stated=False, planned_amount=Decimal("1500000.00"))
    InKindFactory(title="Abordnung von zwei Landesbediensteten")


@pytest.mark.django_db(transaction=True)
def test_transparency_page_is_accessible(page, assert_accessible, funding_data):
    response = page.goto("/finanzierung/")
    assert response.status == 200
    assert page.get_by_role("heading", name="Finanzierung", exact=True).is_visible()
    assert page.get_by_role("img", name="Plan, Freigaben, Auszahlungen und verfügbare Mittel – Nach Haushaltsjahr")
    assert "2.750.000,00" in page.content()  # remaining of the 2025 line
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_filter_by_year_without_javascript(browser, live_server, funding_data):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/finanzierung/")
    page.select_option("#filter-year", "ohne")
    page.get_by_role("button", name="Anzeigen").click()
    assert "year=ohne" in page.url
    caption = page.locator("#positionen-tabelle").inner_text()
    assert caption == "1 Haushaltsposition"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_empty_page_is_accessible(page, assert_accessible, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page.goto("/finanzierung/")
    assert "Keine Haushaltspositionen gefunden" in page.content()
    assert_accessible(page)


# Elements of the page's main part that stick out of their parent (more than half a pixel), and words broken inside
# (a header or label cell whose text wraps although none of its words is longer than the cell would need).
OVERFLOW = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const parent = el.parentElement;
    if (!parent || getComputedStyle(el).position === 'absolute') continue;
    const box = el.getBoundingClientRect(), frame = parent.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(parent).overflowX !== 'visible') continue;
    if (box.right > frame.right + 0.5 || box.left < frame.left - 0.5) {
      const what = (node) => `${node.tagName}.${node.className}`;
      out.push(`${what(el)} ${Math.round(box.width)} > ${what(parent)} ${Math.round(frame.width)}`);
    }
  }
  return out;
}"""
SCROLLING_REGIONS = """() => [...document.querySelectorAll('main .portal-table-region')]
  .filter((el) => el.scrollWidth > el.clientWidth + 1)
  .map((el) => `${el.getAttribute('aria-labelledby')} ${el.scrollWidth} > ${el.clientWidth}`)"""
BROKEN_WORDS = """() => [...document.querySelectorAll('main th, main .kern-description-list-item__key')]
  .filter((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const words = el.textContent.trim().split(/\\s+/);
  const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  return words.length === 1 && words[0].length > 1 && lines > 1;
}).map((el) => `${el.textContent.trim()} (${el.tagName}.${el.className})`)"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_transparency_page_fits_its_width_without_words_broken(browser, live_server, funding_data, width):
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        assert page.goto("/finanzierung/").status == 200
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOW) == []
        assert page.evaluate(BROKEN_WORDS) == []  # no „Freigegeb / en“
        if width >= 1280:  # on a desktop every table fits: nothing to scroll sideways
            assert page.evaluate(SCROLLING_REGIONS) == []
    finally:
        context.close()
